/**
 * The URL a served server reports: one a client on this machine can dial.
 *
 * @module
 */

/**
 * `ws://host:port/` (or `wss://`) for a bound address. A wildcard address (`0.0.0.0`, `::`)
 * accepts connections but cannot be dialled: it becomes the loopback address of its family
 * (`127.0.0.1`, `[::1]`). IPv6 addresses are bracketed.
 */
export function dialableUrl(tls: boolean, hostname: string, port: number): string {
  let host = hostname;
  if (host === "0.0.0.0" || host === "") host = "127.0.0.1";
  else if (host === "::" || host === "[::]" || /^(0*:)+0*$/.test(host)) host = "::1";
  if (host.includes(":") && !host.startsWith("[")) host = `[${host}]`;
  return `${tls ? "wss" : "ws"}://${host}:${port}/`;
}
