export default async function globalTeardown(): Promise<void> {
  // Templates are kept on purpose: they are keyed by a hash of the migrations and make the next run faster.
  // CI runs against a database it creates and drops itself.
}
