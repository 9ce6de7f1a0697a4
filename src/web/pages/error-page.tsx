import { Layout } from '../components/layout.tsx';
import { usePage } from '../page-context.ts';

const titles: Record<number, string> = {
  400: 'That request was not right',
  401: 'Please sign in',
  403: 'Not allowed',
  404: 'Not found',
  409: 'That cannot be done now',
  413: 'Too large',
  415: 'Not a kind of file this page takes',
  422: 'That cannot be done',
  429: 'Too many attempts',
  500: 'Something went wrong on our side',
};

export function ErrorPage({ status, message }: { status: number; message: string }) {
  const { session } = usePage();
  return (
    <Layout title={titles[status] ?? 'Something went wrong'}>
      <div class="panel">
        <p>{message}</p>
        <p class="muted">Error {status}</p>
        <p>
          <a class="button" href={session ? '/portal' : '/'}>
            {session ? 'Back to the home page' : 'Back to the start'}
          </a>
        </p>
      </div>
    </Layout>
  );
}
