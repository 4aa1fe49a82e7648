import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { type ExtensionOffer, formatExtensions, parseExtensions } from "./extensions.ts";
import { HandshakeError } from "./errors.ts";
import { isToken, splitHeaderList, trimOws } from "./header_tokens.ts";

function assertBadHeader(header: string): void {
  assert.throws(
    () => parseExtensions(header),
    (error: unknown) => {
      assert.ok(error instanceof HandshakeError, `expected a HandshakeError for ${header}`);
      assert.equal(error.code, "BAD_EXTENSION_HEADER");
      assert.equal(error.status, 400);
      return true;
    },
  );
}

describe("parseExtensions", () => {
  it("parses what browsers and ws send", () => {
    assert.deepEqual(parseExtensions("permessage-deflate; client_max_window_bits"), [
      { name: "permessage-deflate", params: [["client_max_window_bits", true]] },
    ]);
  });

  it("parses several extensions with bare, token and quoted values", () => {
    assert.deepEqual(
      parseExtensions('permessage-deflate; client_max_window_bits, x-foo; a="b c"; d=1'),
      [
        { name: "permessage-deflate", params: [["client_max_window_bits", true]] },
        { name: "x-foo", params: [["a", "b c"], ["d", "1"]] },
      ],
    );
  });

  it("accepts optional whitespace around separators and '='", () => {
    assert.deepEqual(parseExtensions(' \tfoo ; a = 1 ;b\t=\t"2" , bar\t'), [
      { name: "foo", params: [["a", "1"], ["b", "2"]] },
      { name: "bar", params: [] },
    ]);
  });

  it("skips empty list elements and gives [] for an empty value", () => {
    assert.deepEqual(parseExtensions(""), []);
    assert.deepEqual(parseExtensions(" , ,"), []);
    assert.deepEqual(parseExtensions(",foo,, bar ,"), [
      { name: "foo", params: [] },
      { name: "bar", params: [] },
    ]);
  });

  it("unescapes quoted-pairs and keeps non-token quoted values", () => {
    assert.deepEqual(parseExtensions(String.raw`x; a="q\"uo\\te"; b=""; c="\a;,"`), [
      { name: "x", params: [["a", 'q"uo\\te'], ["b", ""], ["c", "a;,"]] },
    ]);
  });

  it("keeps repeated parameters, order and case", () => {
    assert.deepEqual(parseExtensions("Foo; B=1; b=2; B"), [
      { name: "Foo", params: [["B", "1"], ["b", "2"], ["B", true]] },
    ]);
  });

  it("accepts obs-text (0x80-0xFF) inside quoted strings", () => {
    assert.deepEqual(parseExtensions('x; a="\u00e9"'), [{ name: "x", params: [["a", "\u00e9"]] }]);
  });

  for (
    const header of [
      "foo;;",
      "foo;",
      'foo; a="unterminated',
      'foo; a="ends with backslash\\',
      "foo; a=b c",
      "foo bar",
      "foo; a=",
      "foo; =1",
      "; a=1",
      "foo; a==1",
      "foo; a=1=2",
      'foo; a="x"y',
      'fo"o',
      "foo/1",
      "foo; a=\u0100",
      'foo; a="\u0000"',
      'foo; a="\r\n"',
      "foo; a=b\u00e9",
      "foo\r\n",
    ]
  ) {
    it(`refuses ${JSON.stringify(header)} with BAD_EXTENSION_HEADER 400`, () => {
      assertBadHeader(header);
    });
  }

  it("says where the header is malformed", () => {
    assert.throws(() => parseExtensions("foo; a=b c"), /index 9: expected ',' or ';'/);
  });

  it("throws only HandshakeError on arbitrary input", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (header) => {
        try {
          parseExtensions(header);
        } catch (error) {
          assert.ok(error instanceof HandshakeError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe("formatExtensions", () => {
  it("writes tokens bare and quotes other values", () => {
    assert.equal(
      formatExtensions([
        { name: "permessage-deflate", params: [["client_max_window_bits", true]] },
        { name: "x-foo", params: [["a", "b c"], ["d", "1"], ["e", ""], ["f", 'q"\\']] },
      ]),
      String.raw`permessage-deflate; client_max_window_bits, x-foo; a="b c"; d=1; e=""; f="q\"\\"`,
    );
  });

  it("gives an empty string for no extensions", () => {
    assert.equal(formatExtensions([]), "");
  });

  it("refuses names that are not tokens with TypeError", () => {
    assert.throws(() => formatExtensions([{ name: "a b", params: [] }]), TypeError);
    assert.throws(() => formatExtensions([{ name: "", params: [] }]), TypeError);
    assert.throws(() => formatExtensions([{ name: "x", params: [["a;b", true]] }]), TypeError);
  });

  it("refuses values that cannot appear in a header (CR, LF, NUL, > 0xFF)", () => {
    for (const value of ["a\r\nb", "\n", "\u0000", "\u0100", "\u007f"]) {
      assert.throws(() => formatExtensions([{ name: "x", params: [["a", value]] }]), TypeError);
    }
  });
});

const tokenArb = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,12}$/);
const valueChar = fc.oneof(
  fc.constantFrom("\t", " ", '"', "\\", ",", ";", "=", "\u00ff"),
  fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
);
const offerArb: fc.Arbitrary<ExtensionOffer> = fc.record({
  name: tokenArb,
  params: fc.array(
    fc.tuple(
      tokenArb,
      fc.oneof(
        fc.constant<true>(true),
        fc.array(valueChar, { maxLength: 10 }).map((c) => c.join("")),
      ),
    ),
    { maxLength: 4 },
  ),
}, { noNullPrototype: true });

describe("formatExtensions and parseExtensions", () => {
  it("round-trip: parseExtensions(formatExtensions(x)) equals x", () => {
    fc.assert(
      fc.property(fc.array(offerArb, { maxLength: 4 }), (offers) => {
        assert.deepEqual(parseExtensions(formatExtensions(offers)), offers);
      }),
      { numRuns: 500 },
    );
  });
});

describe("header_tokens", () => {
  it("isToken follows the RFC 7230 tchar set", () => {
    assert.ok(isToken("!#$%&'*+-.^_`|~09azAZ"));
    for (const bad of ["", "a b", "a,b", "a;b", 'a"', "a(b)", "a/b", "a:b", "a\tb", "\u00e9"]) {
      assert.equal(isToken(bad), false, bad);
    }
  });

  it("splitHeaderList skips empty elements and refuses non-tokens", () => {
    assert.deepEqual(splitHeaderList(" a ,, b\t,"), ["a", "b"]);
    assert.deepEqual(splitHeaderList(""), []);
    assert.equal(splitHeaderList("a, b c"), undefined);
  });

  it("trimOws trims only SP and HTAB", () => {
    assert.equal(trimOws(" \t a \t "), "a");
    assert.equal(trimOws("\na\n"), "\na\n");
  });
});
