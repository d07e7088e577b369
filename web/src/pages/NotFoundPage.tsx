import { Page } from '../components/Page';
import { Link } from '../router';

export function NotFoundPage() {
  return (
    <Page title="Page not found">
      <p>
        There is nothing at this address. Go to <Link to="/account">your account</Link> or <Link to="/workspaces">your workspaces</Link>.
      </p>
    </Page>
  );
}
