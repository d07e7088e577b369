export class MutationResolver {}
