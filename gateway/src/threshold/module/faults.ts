import { MISBEHAVIOURS, type Misbehaviour, type ModuleFaults } from './context';

export function isMisbehaviour(value: string): value is Misbehaviour {
  return (MISBEHAVIOURS as readonly string[]).includes(value);
}

/** The module's injected misbehaviours; changed only when the server was started with fault injection allowed. */
export class FaultSwitch implements ModuleFaults {
  readonly allowed: boolean;
  #misbehave: ReadonlySet<Misbehaviour>;

  constructor(allowed: boolean, initial: readonly Misbehaviour[] = []) {
    if (!allowed && initial.length > 0) {
      throw new Error('misbehaviours need fault injection to be allowed');
    }
    this.allowed = allowed;
    this.#misbehave = new Set(initial);
  }

  get misbehave(): ReadonlySet<Misbehaviour> {
    return this.#misbehave;
  }

  /** Replaces the set; returns false (and changes nothing) when fault injection is not allowed. */
  set(misbehave: readonly Misbehaviour[]): boolean {
    if (!this.allowed) {
      return false;
    }
    this.#misbehave = new Set(misbehave);
    return true;
  }
}
