/**
 * An HTTP `CONNECT` tunnel through a forward proxy (`node:net`), with TLS on top for `wss:`
 * (`node:tls`): the codec transport then speaks WebSocket over the returned socket as if it
 * had connected directly. The proxy rules are in `_proxy.ts`.
 *
 * @module
 */

import * as net from "node:net";
import process from "node:process";
import * as tls from "node:tls";
import { HttpHeadParser } from "../codec/http_head.ts";
import { ClientError } from "./errors.ts";
import {
  connectRequest,
  describeProxy,
  type EnvReader,
  ProxyError,
  type ProxyTarget,
} from "./_proxy.ts";

/** `process.env`, where the runtime lets us read it (Deno without `--allow-env` does not). */
export const processEnv: EnvReader = (name: string): string | undefined => {
  try {
    return process.env[name];
  } catch {
    return undefined;
  }
};

/** TLS settings for a `wss:` target, as the direct connection uses them. */
export type TunnelTlsOptions = Pick<
  tls.ConnectionOptions,
  "servername" | "ca" | "rejectUnauthorized" | "ALPNProtocols"
>;

/**
 * Connects to `proxy`, asks it to `CONNECT` to `target`, and resolves with the tunnel (wrapped
 * in TLS for a `wss:` target) once the proxy said 2xx. The socket is paused: the caller adds
 * its `data` handler, then calls `resume()`.
 *
 * Rejects with {@linkcode ProxyError} (`PROXY_REFUSED`) when the proxy answers with another
 * status, with `ClientError` `TRANSPORT_ERROR` when it cannot be reached, closes early or
 * answers something that is not HTTP, and with the signal's reason when `signal` aborts.
 */
export function openTunnel(
  proxy: URL,
  target: ProxyTarget,
  tlsOptions: TunnelTlsOptions,
  maxHeadSize: number,
  signal: AbortSignal,
): Promise<net.Socket> {
  const name = describeProxy(proxy);
  return new Promise((resolve, reject) => {
    const socket = net.connect({
      host: proxy.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: Number(proxy.port || 80),
    });
    const parser = new HttpHeadParser("response", { maxHeadSize });
    const fail = (error: Error): void => {
      cleanup();
      socket.destroy();
      reject(error);
    };
    const onData = (chunk: Uint8Array): void => {
      let response;
      try {
        response = parser.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      } catch (cause) {
        fail(
          new ClientError("TRANSPORT_ERROR", `The proxy ${name} did not answer CONNECT with HTTP`, {
            cause,
          }),
        );
        return;
      }
      if (response === undefined) return;
      if (response.status < 200 || response.status > 299) {
        fail(new ProxyError(response.status, response.reason, name));
        return;
      }
      cleanup();
      socket.pause();
      const rest = parser.takeRest();
      if (rest.length > 0) socket.unshift(rest);
      if (!target.secure) {
        resolve(socket);
        return;
      }
      const secure = tls.connect({ ...tlsOptions, socket });
      secure.pause();
      resolve(secure);
    };
    const onError = (cause: Error): void => {
      fail(
        new ClientError("TRANSPORT_ERROR", `The proxy ${name} failed: ${cause.message}`, { cause }),
      );
    };
    const onClose = (): void => {
      fail(new ClientError("TRANSPORT_ERROR", `The proxy ${name} closed before answering CONNECT`));
    };
    const onAbort = (): void =>
      fail(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
    function cleanup(): void {
      socket.off("data", onData);
      socket.off("error", onError);
      socket.off("close", onClose);
      signal.removeEventListener("abort", onAbort);
    }
    socket.on("data", onData);
    socket.on("error", onError);
    socket.on("close", onClose);
    signal.addEventListener("abort", onAbort, { once: true });
    socket.setNoDelay(true);
    socket.write(connectRequest(proxy, target));
  });
}
