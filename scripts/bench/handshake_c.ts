/**
 * The C handshake generator of the server benchmark (`handshake_load.c`): compiled with the
 * machine's C compiler (`cc -O2`), started with the fixed key and the accept value that
 * {@linkcode computeAccept} gives for it, and driven with the same JSON line commands as the Node
 * generator (`open` with `kind: "handshake"`, `run`, `close`, `quit`). Uses `node:child_process`
 * and `node:fs` only, so that the smoke test runs under Deno, Node and Bun alike.
 *
 * @module
 */

import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { computeAccept } from "../../codec/accept_key.ts";
import { REQUEST_KEY } from "./server_frames.ts";

/** The C source, beside this file (the Node/Bun test build copies it along). */
export const HANDSHAKE_SOURCE: string = fileURLToPath(
  new URL("./handshake_load.c", import.meta.url),
);

/** A compiled generator, or why there is none. */
export type CompileResult = { path: string } | { reason: string };

/**
 * Compiles {@linkcode HANDSHAKE_SOURCE} into `outFile` with `cc -O2` (bounded to 60 s); resolves
 * with the binary's path, or with the reason it could not (no source, no compiler, errors).
 */
export function compileHandshakeLoad(outFile: string): Promise<CompileResult> {
  if (!existsSync(HANDSHAKE_SOURCE)) {
    return Promise.resolve({ reason: `no C source at ${HANDSHAKE_SOURCE}` });
  }
  return new Promise((resolve) => {
    execFile(
      "cc",
      ["-O2", "-Wall", "-o", outFile, HANDSHAKE_SOURCE],
      { timeout: 60_000 },
      (error, _stdout, stderr) => {
        if (error === null) return resolve({ path: outFile });
        const code = (error as { code?: unknown }).code;
        resolve({
          reason: code === "ENOENT"
            ? "no C compiler (cc) on PATH"
            : `cc failed: ${stderr || error}`,
        });
      },
    );
  });
}

/** The generator's arguments: the request's `Sec-WebSocket-Key` and the accept value expected. */
export function handshakeLoadArgs(): string[] {
  return [REQUEST_KEY, computeAccept(REQUEST_KEY)];
}
