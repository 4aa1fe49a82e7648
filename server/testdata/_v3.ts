type Refusal = { status: number; body?: string };
type R<D> = (undefined extends D ? true : never) | false | { data: D } | Refusal;
/** The data type an authenticate result carries. */
type DataOf<A> = [A] extends [never] ? undefined
  : A extends { data: infer D } ? D
  : A extends true ? undefined
  : never;
type DD<A> = [DataOf<Awaited<A>>] extends [never] ? undefined : DataOf<Awaited<A>>;
interface Conn<D> {
  data: D;
}
interface O<D = undefined> {
  authenticate?: (r: string) => R<D> | Promise<R<D>>;
  onMessage?: (c: Conn<D>) => void;
}
interface OA<A> {
  authenticate: (r: string) => A;
  onMessage?: (c: Conn<DD<A>>) => void;
}
declare function s<A extends R<any> | Promise<R<any>>>(o: OA<A>): Conn<DD<A>>;
declare function s<D = undefined>(o: O<D>): Conn<D>;
const a = s({
  authenticate: (r) => r ? { data: { user: r } } : { status: 401, body: "x" },
  onMessage: (c) => {
    const u: string = c.data.user;
  },
});
const ua: { user: string } = a.data;
const c = s({ authenticate: () => true });
const uc: undefined = c.data;
const d = s({});
const ud: undefined = d.data;
const e = s<{ n: number } | undefined>({ authenticate: () => true });
const f = s({ authenticate: (r) => r ? { data: { user: r } } : false });
const uf: { user: string } = f.data;
export {};
