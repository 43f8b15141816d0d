/**
 * The metrics endpoint: a node:http server answering GET (and HEAD) on one path with the
 * registry's exposition, OpenMetrics when the scraper's Accept header asks for it, otherwise the
 * text format 0.0.4. Anything else is 404 (other paths) or 405 (other methods).
 *
 * Context: the coordinator.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidArgumentError, ListenError } from '../errors.js';
import { OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE } from './exposition.js';

export interface ServeOptions {
  /** TCP port, 0 for any free one (the returned url says which). */
  readonly port: number;
  /** Address to listen on (default '127.0.0.1'). */
  readonly host?: string;
  /** Path of the endpoint (default '/metrics'). */
  readonly path?: string;
}

export interface MetricsServer {
  /** e.g. http://127.0.0.1:9464/metrics */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** True when an Accept header prefers (or at least accepts) OpenMetrics text. */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  return accept.split(',').some((range) => {
    const [type, ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    if (type !== 'application/openmetrics-text') return false;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

export function checkServeOptions(options: unknown): Required<ServeOptions> {
  if (typeof options !== 'object' || options === null)
    throw new InvalidArgumentError('options', options, 'an object { port, host?, path? }');
  const { port, host = '127.0.0.1', path = '/metrics' } = options as Partial<ServeOptions>;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('port', port, 'an integer from 0 to 65535 (0: any free port)');
  }
  if (typeof host !== 'string' || host.length === 0)
    throw new InvalidArgumentError('host', host, 'a host name or IP address');
  if (typeof path !== 'string' || !path.startsWith('/'))
    throw new InvalidArgumentError('path', path, "a path starting with '/'");
  return { port, host, path };
}

export async function serveMetrics(
  options: unknown,
  render: (openMetrics: boolean) => Promise<string>,
): Promise<MetricsServer> {
  const { port, host, path } = checkServeOptions(options);
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== path) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    const openMetrics = wantsOpenMetrics(request.headers.accept);
    render(openMetrics).then(
      (body) => {
        response.writeHead(200, { 'content-type': openMetrics ? OPENMETRICS_CONTENT_TYPE : TEXT_CONTENT_TYPE });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      (error: unknown) => {
        response
          .writeHead(500, { 'content-type': 'text/plain' })
          .end(`${error instanceof Error ? error.message : String(error)}\n`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(new ListenError(host, port, error.code ?? 'ERROR', error.message));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${shownHost}:${address.port}${path}`,
    port: address.port,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
