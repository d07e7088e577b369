// Review of issue 20: LATCHKEY_DATABASE_LISTEN_URL without DATABASE_URL. The data is then in the embedded
// database, where events are applied in place (one process); a LISTEN on some other server can only
// bring that server's notifications (anyone's pg_notify there clears or bypasses this instance's caches)
// and makes /health/ready report a channel that has nothing to do with this instance's data.
import { ConfigError, loadConfig } from './app-config';

describe('loadConfig: a LISTEN connection needs the server database it listens to', () => {
  it('refuses LATCHKEY_DATABASE_LISTEN_URL without DATABASE_URL (or ignores it)', () => {
    let listenUrl: string | null;
    try {
      listenUrl = loadConfig({ LATCHKEY_DATABASE_LISTEN_URL: 'postgres://latchkey@elsewhere:5432/latchkey' }).databaseListenUrl;
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return;
    }
    // Bug: databaseListenUrl is the other server's URL, so Invalidation's state is not 'local'.
    expect(listenUrl).toBeNull();
  });
});
