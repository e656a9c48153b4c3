import { peer } from '@hyperledger/fabric-protos';
import type { ChaincodeResult, ChaincodeRuntime } from '../chaincode/types';
import { ChaincodeExecutionError } from '../chaincode/types';
import type { TxSimulator } from '../ledger/types';
import type { SigningIdentity } from '../msp/types';
import { concat } from '../blocks/bytes';
import { payloadWithoutTransient, proposalHash } from '../blocks/txid';
import type { UnpackedProposal } from './proposal';

/** What an endorser needs from the ledger. */
export interface EndorserLedger {
  newSimulator(txId: string, options: { readOnly: boolean }): TxSimulator;
  /** True when a transaction with this id is already in a block (valid or not). */
  hasTransaction(txId: string): boolean;
}

/** Fabric's shim.ERRORTHRESHOLD: chaincode responses at or above it are not endorsed. */
export const ERROR_THRESHOLD = 400;

export interface ChaincodeResponse {
  readonly status: number;
  readonly message: string;
  readonly payload: Uint8Array;
}

/** A signed endorsement from one organisation's peer. */
export interface Endorsed {
  readonly ok: true;
  readonly mspId: string;
  readonly response: ChaincodeResponse;
  /** Serialised ProposalResponsePayload: what all endorsers must agree on byte for byte. */
  readonly payload: Uint8Array;
  readonly endorsement: peer.Endorsement;
  /** Serialised TxPvtReadWriteSet to hand to the committer, if the chaincode wrote private data. */
  readonly privateRwSet?: Uint8Array;
}

/**
 * Why an endorser did not endorse, classified as Fabric's gateway classifies ProposalResponses
 * (apiutils.go responseStatus): `rejected` = error with a response (validation, ACL, duplicate) →
 * FailedPrecondition; `unavailable` = the chaincode could not run → Aborted; `chaincode` = the chaincode
 * answered with an error status → Unknown "chaincode response N, msg".
 */
export interface NotEndorsed {
  readonly ok: false;
  readonly mspId: string;
  readonly kind: 'rejected' | 'unavailable' | 'chaincode';
  readonly message: string;
  readonly response?: ChaincodeResponse;
}

export type EndorsementOutcome = Endorsed | NotEndorsed;

export interface OrgEndorserOptions {
  readonly mspId: string;
  /** The org peer's signing identity: it signs every ProposalResponsePayload it produces. */
  readonly signer: SigningIdentity;
  readonly ledger: EndorserLedger;
  readonly chaincodes: ChaincodeRuntime;
  /** Version written into ChaincodeAction.chaincode_id (the chaincode definition's version). */
  readonly chaincodeVersion: (name: string) => string;
  /** Told about every endorsement signature made (so the committer can skip re-verifying it). */
  readonly onSigned?: (signer: Uint8Array, message: Uint8Array, signature: Uint8Array) => void;
}

/** The chaincode's answer to an evaluation (nothing signed: the gateway returns only the response). */
export interface Evaluated {
  readonly ok: true;
  readonly mspId: string;
  readonly response: ChaincodeResponse;
}

interface Simulated {
  readonly ok: true;
  readonly result: ChaincodeResult;
  readonly publicRwSet: Uint8Array;
  readonly privateRwSet?: Uint8Array;
}

/**
 * One organisation's endorsing peer (core/endorser/endorser.go): it simulates the already-validated
 * proposal on its own simulator, runs the chaincode and signs the result. Each required organisation's
 * endorser runs separately, so a non-deterministic chaincode yields payloads that differ.
 */
export class OrgEndorser {
  readonly mspId: string;
  readonly #options: OrgEndorserOptions;
  readonly #serializedPeer: Uint8Array;

  constructor(options: OrgEndorserOptions) {
    this.#options = options;
    this.mspId = options.mspId;
    this.#serializedPeer = options.signer.serialize();
  }

  /** Simulates and, on success, endorses (signs the ProposalResponsePayload with the org's peer identity). */
  async endorse(up: UnpackedProposal, readOnly = false): Promise<EndorsementOutcome> {
    const simulated = await this.#simulate(up, readOnly);
    if (!simulated.ok) return simulated;
    const { result, publicRwSet, privateRwSet } = simulated;
    const response: ChaincodeResponse = {
      status: result.status,
      message: result.message,
      payload: result.payload,
    };
    const payload = this.#responsePayload(up, result, publicRwSet);
    const message = concat(payload, this.#serializedPeer);
    const signature = this.#options.signer.sign(message);
    this.#options.onSigned?.(this.#serializedPeer, message, signature);
    const endorsement = new peer.Endorsement();
    endorsement.setEndorser(this.#serializedPeer);
    endorsement.setSignature(signature);
    return {
      ok: true,
      mspId: this.mspId,
      response,
      payload,
      endorsement,
      ...(privateRwSet ? { privateRwSet } : {}),
    };
  }

  /** Simulates read-only and returns the chaincode's response, as the gateway's Evaluate uses it. */
  async evaluate(up: UnpackedProposal): Promise<Evaluated | NotEndorsed> {
    const simulated = await this.#simulate(up, true);
    if (!simulated.ok) return simulated;
    const { status, message, payload } = simulated.result;
    return { ok: true, mspId: this.mspId, response: { status, message, payload } };
  }

  async #simulate(up: UnpackedProposal, readOnly: boolean): Promise<Simulated | NotEndorsed> {
    if (this.#options.ledger.hasTransaction(up.txId)) {
      return this.#rejected(
        `duplicate transaction found [${up.txId}]. Creator [${hex(up.signatureHeader.getCreator_asU8())}]`,
      );
    }
    const simulator = this.#options.ledger.newSimulator(up.txId, { readOnly });
    let result: ChaincodeResult;
    let publicRwSet: Uint8Array;
    let privateRwSet: Uint8Array | undefined;
    try {
      result = await this.#options.chaincodes.execute({
        channelId: up.channelId,
        txId: up.txId,
        chaincodeName: up.chaincodeName,
        args: up.args,
        isInit: up.isInit,
        signedProposal: up.signedProposalBytes,
        simulator,
        readOnly,
      });
    } catch (err) {
      return { ok: false, mspId: this.mspId, kind: 'unavailable', message: simulationFailure(up.txId, err) };
    } finally {
      const results = safeDone(simulator);
      publicRwSet = results.publicRwSet;
      privateRwSet = results.privateRwSet;
    }
    if (result.status >= ERROR_THRESHOLD || result.status < 200) {
      return {
        ok: false,
        mspId: this.mspId,
        kind: 'chaincode',
        message: `chaincode response ${result.status}, ${result.message}`,
        response: { status: result.status, message: result.message, payload: result.payload },
      };
    }
    return { ok: true, result, publicRwSet, ...(privateRwSet ? { privateRwSet } : {}) };
  }

  #rejected(message: string): NotEndorsed {
    return { ok: false, mspId: this.mspId, kind: 'rejected', message };
  }

  /** ProposalResponsePayload{proposal_hash, extension = ChaincodeAction} (protoutil.CreateProposalResponse). */
  #responsePayload(up: UnpackedProposal, result: ChaincodeResult, rwset: Uint8Array): Uint8Array {
    const response = new peer.Response();
    response.setStatus(result.status);
    response.setMessage(result.message);
    response.setPayload(result.payload);

    const chaincodeId = new peer.ChaincodeID();
    chaincodeId.setName(up.chaincodeName);
    chaincodeId.setVersion(this.#options.chaincodeVersion(up.chaincodeName));

    const action = new peer.ChaincodeAction();
    action.setResults(rwset);
    if (result.event) {
      const event = new peer.ChaincodeEvent();
      event.setChaincodeId(up.chaincodeName);
      event.setTxId(up.txId);
      event.setEventName(result.event.eventName);
      event.setPayload(result.event.payload);
      action.setEvents(event.serializeBinary());
    }
    action.setResponse(response);
    action.setChaincodeId(chaincodeId);

    const prp = new peer.ProposalResponsePayload();
    prp.setProposalHash(proposalHash(up.header, payloadWithoutTransient(up.proposalPayload)));
    prp.setExtension$(action.serializeBinary());
    return prp.serializeBinary();
  }
}

/**
 * The text a peer's endorser answers (status 500, no payload) when the chaincode could not run: core/endorser
 * "error in simulation: " over core/chaincode's "failed to execute transaction <txid>: " over the handler's reason.
 * The gateway keys on its suffix ("chaincode stream terminated") to retry elsewhere.
 */
export function simulationFailure(txId: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (!(err instanceof ChaincodeExecutionError)) return `error in simulation: ${message}`;
  switch (err.phase) {
    case 'send':
      return `error in simulation: failed to execute transaction ${txId}: error sending: ${message}`;
    case 'launch':
      return `error in simulation: failed to execute transaction ${txId}: ${message}`;
    case 'result':
      return `error in simulation: ${message}`;
  }
}

function safeDone(simulator: TxSimulator): { publicRwSet: Uint8Array; privateRwSet?: Uint8Array } {
  try {
    return simulator.done();
  } catch {
    return { publicRwSet: new Uint8Array() };
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
