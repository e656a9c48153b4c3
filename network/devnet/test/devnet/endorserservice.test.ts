import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { peer } from '@hyperledger/fabric-protos';
import { startDevnet, type Devnet } from '../../src';
import { signingIdentityFrom } from '../../src/msp';
import { signedProposal } from './fixtures';

jest.setTimeout(120_000);

describe('protos.Endorser/ProcessProposal', () => {
  let dataDir: string;
  let devnet: Devnet;
  let client: peer.EndorserClient;

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'devnet-endorser-'));
    devnet = await startDevnet({ dataDir, port: 0, orgs: 2, plaintext: true });
    await devnet.deploy('cc', path.resolve(__dirname, '..', 'fixtures', 'chaincode'));
    client = new peer.EndorserClient(devnet.endpoint, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    client?.close();
    await devnet?.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  const process = (proposal: peer.SignedProposal): Promise<peer.ProposalResponse> =>
    new Promise((resolve, reject) =>
      client.processProposal(proposal, (err, response) =>
        err || !response ? reject(err) : resolve(response),
      ),
    );

  it("endorses with the creator's organisation and signs the payload", async () => {
    const user = signingIdentityFrom(devnet.identity(2));
    const response = await process(signedProposal(user, { chaincode: 'cc', args: ['put', 'k', 'v'] }));
    expect(response.getResponse()?.getStatus()).toBe(200);
    expect(Buffer.from(response.getResponse()?.getPayload_asU8() ?? []).toString()).toBe('k');
    const endorser = response.getEndorsement()?.getEndorser_asU8() ?? new Uint8Array();
    expect(Buffer.from(endorser).toString()).toContain('Org2MSP');
    expect(response.getPayload_asU8().length).toBeGreaterThan(0);
  });

  it('answers status 500 with the reason for proposals it refuses', async () => {
    const user = signingIdentityFrom(devnet.identity(1));
    const bad = signedProposal(user, { chaincode: 'cc', txId: 'forged' });
    const response = await process(bad);
    expect(response.getResponse()?.getStatus()).toBe(500);
    expect(response.getResponse()?.getMessage()).toContain(
      "error validating proposal: incorrectly computed txid 'forged'",
    );
  });
});
