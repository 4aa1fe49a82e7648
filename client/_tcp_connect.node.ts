/**
 * The socket of the codec transport (`node:net` / `node:tls`): TCP or TLS straight to the
 * server, or an HTTP `CONNECT` tunnel through the proxy the options or the environment name
 * (`_proxy.ts` has the rules, `_proxy_tunnel.node.ts` the tunnel).
 *
 * @module
 */

import * as net from "node:net";
import * as tls from "node:tls";
import type { TcpSettings } from "./_tcp_options.ts";
import { proxyFor, type ProxyTarget } from "./_proxy.ts";
import { openTunnel, processEnv } from "./_proxy_tunnel.node.ts";

/**
 * Opens the socket to `target`. Straight to the server, `onSocket` gets the connecting socket
 * before this returns (`undefined`). Through a proxy, this returns the controller that cancels
 * the tunnel; `onSocket` later gets the tunnel's socket (paused), or `onError` why it failed.
 */
export function connectSocket(
  settings: TcpSettings,
  target: ProxyTarget,
  onSocket: (socket: net.Socket) => void,
  onError: (error: unknown) => void,
): AbortController | undefined {
  const { secure, host, port } = target;
  const tlsOptions = {
    servername: settings.servername ?? (net.isIP(host) === 0 ? host : undefined),
    ca: settings.ca,
    rejectUnauthorized: settings.rejectUnauthorized,
    ALPNProtocols: ["http/1.1"],
  };
  const proxy = proxyFor(target, settings.proxy, processEnv);
  if (proxy === undefined) {
    onSocket(secure ? tls.connect({ host, port, ...tlsOptions }) : net.connect({ host, port }));
    return undefined;
  }
  const tunnel = new AbortController();
  openTunnel(proxy, target, tlsOptions, settings.maxHeadSize, tunnel.signal).then(
    onSocket,
    onError,
  );
  return tunnel;
}
