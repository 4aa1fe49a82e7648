import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createClosePolicy, defaultClosePolicy } from "./close_policy.ts";

function decide(code: number, opened = true): string {
  const decision = defaultClosePolicy({ code, reason: "", wasClean: code !== 1006, opened });
  return decision.action === "retry" ? `retry+${decision.minDelay ?? 0}` : "stop";
}

describe("defaultClosePolicy", () => {
  it("retries after network errors and transient server codes", () => {
    for (const code of [1001, 1005, 1006, 1011, 1012, 1014]) {
      assert.equal(decide(code), "retry+0", `code ${code}`);
    }
    assert.equal(decide(1006, false), "retry+0");
  });

  it("retries after 1013 with 5 s more than the backoff delay", () => {
    assert.equal(decide(1013), "retry+5000");
  });

  it("stops after a deliberate 1000 and after refusals", () => {
    for (const code of [1000, 1002, 1003, 1007, 1008, 1009, 1010, 1015]) {
      assert.equal(decide(code), "stop", `code ${code}`);
    }
  });

  it("retries application codes 4000-4499 and stops on 4500-4999", () => {
    for (const code of [4000, 4001, 4250, 4499]) assert.equal(decide(code), "retry+0");
    for (const code of [4500, 4501, 4999]) assert.equal(decide(code), "stop");
  });

  it("stops on 3000 and 3003, retries other registered 3xxx codes", () => {
    assert.equal(decide(3000), "stop");
    assert.equal(decide(3003), "stop");
    assert.equal(decide(3008), "retry+0");
    assert.equal(decide(3999), "retry+0");
  });

  it("stops on codes that are not valid close codes", () => {
    for (const code of [0, 999, 1004, 1016, 2999, 5000]) assert.equal(decide(code), "stop");
  });

  it("stops on a refused handshake's 4xx status but 408 and 429; retries 5xx", () => {
    const refused = (status: number) =>
      defaultClosePolicy({ code: 1006, reason: "", wasClean: false, opened: false, status }).action;
    for (const status of [400, 401, 403, 404, 410, 426, 499]) {
      assert.equal(refused(status), "stop", `status ${status}`);
    }
    for (const status of [408, 429, 500, 502, 503, 504, 200, 302]) {
      assert.equal(refused(status), "retry", `status ${status}`);
    }
  });
});

describe("createClosePolicy", () => {
  it("uses a custom delay after 1013", () => {
    const policy = createClosePolicy({ tryAgainLaterDelay: 60_000 });
    assert.deepEqual(policy({ code: 1013, reason: "", wasClean: true, opened: true }), {
      action: "retry",
      minDelay: 60_000,
    });
  });

  it("rejects a negative delay", () => {
    assert.throws(() => createClosePolicy({ tryAgainLaterDelay: -1 }), {
      name: "RangeError",
      message: "Invalid 'tryAgainLaterDelay': -1",
    });
  });
});
