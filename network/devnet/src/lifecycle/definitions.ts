/** Default endorsement policy of a chaincode, as Fabric's `/Channel/Application/Endorsement` default. */
export const DEFAULT_ENDORSEMENT_POLICY = 'MAJORITY';

/**
 * A deployed chaincode as the devnet's "light lifecycle" knows it: what Fabric keeps in the approved and
 * committed chaincode definition, plus where the code comes from so it can be relaunched on restart.
 */
export interface ChaincodeDefinition {
  readonly name: string;
  /** Chaincode folder (launched by the devnet) or `host:port` of a chaincode-as-a-service server. */
  readonly source: string;
  readonly kind: 'path' | 'ccaas';
  /**
   * The package id: `<name>:<sha256 of the folder's files>` for a folder, `<name>:<address>` for a chaincode server.
   * Deploying the same package, policy and collections again keeps this definition and its sequence.
   */
  readonly packageId?: string;
  /** 'MAJORITY' | 'ANY' | 'ALL' | a signature policy such as "AND('Org1MSP.peer','Org2MSP.peer')". */
  readonly policy: string;
  /** Collections config JSON text (as `--collections-config` takes), if any. */
  readonly collections?: string;
  /** Incremented on every deploy that changes the definition; shown as the chaincode version. */
  readonly sequence: number;
  readonly inspect?: boolean;
}

/** The set of deployed chaincodes; other parts read definitions from here. */
export class ChaincodeDefinitions {
  readonly #definitions = new Map<string, ChaincodeDefinition>();

  constructor(initial: readonly ChaincodeDefinition[] = []) {
    for (const definition of initial) this.#definitions.set(definition.name, definition);
  }

  get(name: string): ChaincodeDefinition | undefined {
    return this.#definitions.get(name);
  }

  has(name: string): boolean {
    return this.#definitions.has(name);
  }

  set(definition: ChaincodeDefinition): void {
    this.#definitions.set(definition.name, definition);
  }

  list(): ChaincodeDefinition[] {
    return [...this.#definitions.values()];
  }

  /** Version string put into ChaincodeAction.chaincode_id, as the definition's version. */
  static version(definition: ChaincodeDefinition): string {
    return `${definition.sequence}`;
  }
}
