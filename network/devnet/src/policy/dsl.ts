import {
  PolicyError,
  type Principal,
  type PrincipalRole,
  type SignaturePolicyAst,
  type SignatureRule,
} from './types';

/**
 * Fabric's signature policy language (`common/policydsl`): `AND(...)`, `OR(...)`, `OutOf(n, ...)`
 * (also as And/and, Or/or, OUTOF/outof) over quoted principals `'<MSPID>.<role>'` with role one of
 * member, admin, client, peer, orderer. Principals are numbered as Fabric numbers them — the
 * principals of nested gates first, then the gate's own, in argument order — so the resulting
 * SignaturePolicyEnvelope is byte-identical to `policydsl.FromString`.
 */

const PRINCIPAL = /^([A-Za-z0-9.-]+)\.(admin|member|client|peer|orderer)$/;
const GATES: Readonly<Record<string, 'and' | 'or' | 'outof'>> = {
  AND: 'and',
  And: 'and',
  and: 'and',
  OR: 'or',
  Or: 'or',
  or: 'or',
  OUTOF: 'outof',
  OutOf: 'outof',
  outof: 'outof',
};

type Token = { readonly type: 'ident' | 'string' | 'number' | '(' | ')' | ','; readonly value: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ type: c, value: c });
      i++;
    } else if (c === "'" || c === '"') {
      let value = '';
      i++;
      while (i < text.length && text.charAt(i) !== c) {
        if (text.charAt(i) === '\\' && i + 1 < text.length) i++;
        value += text.charAt(i);
        i++;
      }
      if (i >= text.length) throw new PolicyError('Unclosed string literal');
      i++;
      tokens.push({ type: 'string', value });
    } else if (/[0-9-]/.test(c)) {
      const match = /^-?[0-9]+(\.[0-9]+)?/.exec(text.slice(i));
      if (match === null) throw new PolicyError(`unrecognized token '${c}' in policy string`);
      tokens.push({ type: 'number', value: match[0] });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i));
      const value = match?.[0] ?? c;
      tokens.push({ type: 'ident', value });
      i += value.length;
    } else {
      throw new PolicyError(`unrecognized token '${c}' in policy string`);
    }
  }
  return tokens;
}

type Arg =
  | { readonly type: 'principal'; readonly principal: Principal }
  | { readonly type: 'gate'; readonly gate: Gate };
interface Gate {
  readonly n: number;
  readonly args: readonly Arg[];
}

class Parser {
  #pos = 0;
  constructor(
    private readonly tokens: readonly Token[],
    private readonly source: string,
  ) {}

  parse(): Gate {
    if (this.tokens.length === 0) throw new PolicyError('Unexpected end of expression');
    const first = this.tokens[0];
    if (first?.type !== 'ident' || GATES[first.value] === undefined) {
      throw new PolicyError(`invalid policy string '${this.source}'`);
    }
    const gate = this.#gate();
    if (this.#pos !== this.tokens.length)
      throw new PolicyError(
        `unexpected '${this.tokens[this.#pos]?.value ?? ''}' after the policy in '${this.source}'`,
      );
    return gate;
  }

  #next(): Token {
    const token = this.tokens[this.#pos++];
    if (token === undefined) throw new PolicyError('Unexpected end of expression');
    return token;
  }

  #expect(type: Token['type']): void {
    const token = this.#next();
    if (token.type !== type)
      throw new PolicyError(`expected '${type}' but found '${token.value}' in policy string`);
  }

  #gate(): Gate {
    const name = this.#next();
    const kind = GATES[name.value];
    if (name.type !== 'ident' || kind === undefined)
      throw new PolicyError(`unrecognized token '${name.value}' in policy string`);
    this.#expect('(');
    const args: Arg[] = [];
    let threshold: number | undefined;
    let index = 0;
    for (;;) {
      const token = this.tokens[this.#pos];
      if (token === undefined) throw new PolicyError('Unexpected end of expression');
      if (token.type === ')' && index === 0 && kind !== 'outof') break;
      if (kind === 'outof' && index === 0) {
        threshold = this.#threshold();
      } else if (token.type === 'ident') {
        if (GATES[token.value] === undefined)
          throw new PolicyError(`unrecognized token '${token.value}' in policy string`);
        args.push({ type: 'gate', gate: this.#gate() });
      } else if (token.type === 'string') {
        this.#pos++;
        args.push({ type: 'principal', principal: principalOf(token.value) });
      } else {
        throw new PolicyError(
          `unexpected type ${token.type === 'number' ? 'float64' : token.value} in policy string`,
        );
      }
      index++;
      const separator = this.#next();
      if (separator.type === ')') break;
      if (separator.type !== ',')
        throw new PolicyError(`expected ',' or ')' but found '${separator.value}' in policy string`);
    }
    if (kind === 'outof') {
      if (args.length < 1)
        throw new PolicyError(`expected at least two arguments to NOutOf. Given ${args.length + 1}`);
      const t = threshold ?? 0;
      if (t < 0 || t > args.length + 1)
        throw new PolicyError(`invalid t-out-of-n predicate, t ${t}, n ${args.length}`);
      return { n: t, args };
    }
    if (args.length === 0) throw new PolicyError(`expected at least two arguments to NOutOf. Given 1`);
    return { n: kind === 'and' ? args.length : 1, args };
  }

  #threshold(): number {
    const token = this.#next();
    // govaluate reads numbers as float64 and Fabric truncates; OutOf('2', …) is accepted too.
    const text = token.type === 'number' || token.type === 'string' ? token.value : undefined;
    const value = text === undefined ? NaN : Number(text);
    if (!Number.isFinite(value))
      throw new PolicyError(`unrecognized type, expected a number, got ${token.type}`);
    return Math.trunc(value);
  }
}

function principalOf(text: string): Principal {
  const match = PRINCIPAL.exec(text);
  if (match === null) throw new PolicyError(`unrecognized token '${text}' in policy string`);
  return { kind: 'role', mspId: match[1] ?? '', role: (match[2] ?? 'member') as PrincipalRole };
}

/** Builds the envelope numbering principals as Fabric's three-pass govaluate parser does. */
function build(gate: Gate, principals: Principal[]): SignatureRule {
  const nested = new Map<number, SignatureRule>();
  gate.args.forEach((arg, i) => {
    if (arg.type === 'gate') nested.set(i, build(arg.gate, principals));
  });
  const rules = gate.args.map((arg, i): SignatureRule => {
    if (arg.type === 'gate') return nested.get(i) as SignatureRule;
    principals.push(arg.principal);
    return { type: 'signedBy', index: principals.length - 1 };
  });
  return { type: 'outOf', n: gate.n, rules };
}

/**
 * Parses the policy DSL into a SignaturePolicyEnvelope structure.
 * @throws PolicyError with Fabric's messages where it has one
 */
export function parsePolicyDsl(text: string): SignaturePolicyAst {
  const gate = new Parser(tokenize(text), text).parse();
  const principals: Principal[] = [];
  const rule = build(gate, principals);
  return { principals, rule };
}

function principalText(principal: Principal | undefined): string {
  if (principal === undefined) return "'?'";
  switch (principal.kind) {
    case 'role':
      return `'${principal.mspId}.${principal.role}'`;
    case 'ou':
      return `'${principal.mspId}.OU=${principal.ou}'`;
    case 'identity':
      return `'identity:${Buffer.from(principal.serialized).toString('base64').slice(0, 16)}…'`;
    case 'unsupported':
      return `'unsupported:${principal.classification}'`;
  }
}

/** Renders a signature policy in the DSL: AND when all rules are needed, OR when one, OutOf otherwise. */
export function policyToText(ast: SignaturePolicyAst): string {
  const render = (rule: SignatureRule): string => {
    if (rule.type === 'signedBy') return principalText(ast.principals[rule.index]);
    const inner = rule.rules.map(render).join(', ');
    if (rule.n === 1 && rule.rules.length >= 1) return `OR(${inner})`;
    if (rule.n === rule.rules.length && rule.rules.length > 1) return `AND(${inner})`;
    return `OutOf(${rule.n}, ${inner})`;
  };
  return render(ast.rule);
}
