import { createHash } from 'node:crypto';
import { common, msp, orderer } from '@hyperledger/fabric-protos';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import { ORDERER_MSP_ID } from '../msp/layout';
import type { NetworkMaterial } from '../msp/material';
import type { MspDefinition } from '../msp/manager';
import { signaturePolicyEnvelopeFor } from '../policy';
import { newBlock } from './block';

/**
 * The channel's genesis config block, shaped as `configtxgen -profile ChannelUsingRaft` builds it for
 * fabric-samples' test-network (Fabric 2.5, no system channel): Channel / Application (one group per
 * organisation) / Orderer (OrdererOrg, etcdraft), with test-network's policies and capabilities, so
 * `configtxlator proto_decode --type common.Block` shows a channel a Fabric user recognises.
 */

/** Orderer settings written into the config (test-network defaults). */
export interface GenesisOptions {
  /** BatchSize.MaxMessageCount, default 10. */
  readonly maxMessageCount?: number;
  /** BatchTimeout, default '2s'. */
  readonly batchTimeout?: string;
  /** Orderer endpoint host:port, default 'orderer.example.com:7050'. */
  readonly ordererEndpoint?: string;
}

const ADMINS = 'Admins';
/** `common/genesis`: msgVersion 1, epoch 0. */
const GENESIS_MSG_VERSION = 1;
const ORDERER_ORG_NAME = 'OrdererOrg';

type Serializable = { serializeBinary(): Uint8Array };

function configValue(message: Serializable): common.ConfigValue {
  const value = new common.ConfigValue();
  value.setValue(message.serializeBinary());
  value.setModPolicy(ADMINS);
  return value;
}

function configPolicy(type: number, value: Uint8Array): common.ConfigPolicy {
  const policy = new common.Policy();
  policy.setType(type);
  policy.setValue(value);
  const configPolicy = new common.ConfigPolicy();
  configPolicy.setPolicy(policy);
  configPolicy.setModPolicy(ADMINS);
  return configPolicy;
}

function implicitMeta(rule: 'ANY' | 'ALL' | 'MAJORITY', subPolicy: string): common.ConfigPolicy {
  const meta = new common.ImplicitMetaPolicy();
  meta.setSubPolicy(subPolicy);
  meta.setRule(common.ImplicitMetaPolicy.Rule[rule]);
  return configPolicy(common.Policy.PolicyType.IMPLICIT_META, meta.serializeBinary());
}

function signature(spec: string, mspIds: readonly string[]): common.ConfigPolicy {
  return configPolicy(common.Policy.PolicyType.SIGNATURE, signaturePolicyEnvelopeFor(spec, mspIds));
}

function capabilities(...names: string[]): common.Capabilities {
  const result = new common.Capabilities();
  for (const name of names) result.getCapabilitiesMap().set(name, new common.Capability());
  return result;
}

function group(): common.ConfigGroup {
  const result = new common.ConfigGroup();
  result.setModPolicy(ADMINS);
  return result;
}

function ouIdentifier(caCertPem: string, ou: string): msp.FabricOUIdentifier {
  const identifier = new msp.FabricOUIdentifier();
  identifier.setCertificate(Buffer.from(caCertPem));
  identifier.setOrganizationalUnitIdentifier(ou);
  return identifier;
}

/** `MSPConfig{type: FABRIC, config: FabricMSPConfig}` as configtxgen reads it from an MSP folder with NodeOUs. */
export function fabricMspConfig(mspId: string, caCertPem: string, tlsCaCertPem: string): msp.MSPConfig {
  const config = new msp.FabricMSPConfig();
  config.setName(mspId);
  config.setRootCertsList([Buffer.from(caCertPem)]);
  config.setTlsRootCertsList([Buffer.from(tlsCaCertPem)]);
  const crypto = new msp.FabricCryptoConfig();
  crypto.setSignatureHashFamily('SHA2');
  crypto.setIdentityIdentifierHashFunction('SHA256');
  config.setCryptoConfig(crypto);
  const nodeOus = new msp.FabricNodeOUs();
  nodeOus.setEnable(true);
  nodeOus.setClientOuIdentifier(ouIdentifier(caCertPem, 'client'));
  nodeOus.setPeerOuIdentifier(ouIdentifier(caCertPem, 'peer'));
  nodeOus.setAdminOuIdentifier(ouIdentifier(caCertPem, 'admin'));
  nodeOus.setOrdererOuIdentifier(ouIdentifier(caCertPem, 'orderer'));
  config.setFabricNodeOus(nodeOus);
  const mspConfig = new msp.MSPConfig();
  mspConfig.setType(0);
  mspConfig.setConfig(config.serializeBinary());
  return mspConfig;
}

function orgGroup(
  mspId: string,
  mspConfig: msp.MSPConfig,
  allMspIds: readonly string[],
  kind: 'application' | 'orderer',
): common.ConfigGroup {
  const org = group();
  org.getValuesMap().set('MSP', configValue(mspConfig));
  const policies = org.getPoliciesMap();
  if (kind === 'application') {
    policies.set('Readers', signature(`OR('${mspId}.admin', '${mspId}.peer', '${mspId}.client')`, allMspIds));
    policies.set('Writers', signature(`OR('${mspId}.admin', '${mspId}.client')`, allMspIds));
    policies.set('Admins', signature(`OR('${mspId}.admin')`, allMspIds));
    policies.set('Endorsement', signature(`OR('${mspId}.peer')`, allMspIds));
  } else {
    policies.set('Readers', signature(`OR('${mspId}.member')`, allMspIds));
    policies.set('Writers', signature(`OR('${mspId}.member')`, allMspIds));
    policies.set('Admins', signature(`OR('${mspId}.admin')`, allMspIds));
  }
  return org;
}

function ordererGroup(
  material: NetworkMaterial,
  allMspIds: readonly string[],
  options: GenesisOptions,
): common.ConfigGroup {
  const endpoint = options.ordererEndpoint ?? 'orderer.example.com:7050';
  const [host = 'orderer.example.com', portText = '7050'] = endpoint.split(':');

  const ordererOrg = orgGroup(
    ORDERER_MSP_ID,
    fabricMspConfig(ORDERER_MSP_ID, material.ordererCaCertPem, material.tls.caCertPem),
    allMspIds,
    'orderer',
  );
  const endpoints = new common.OrdererAddresses();
  endpoints.setAddressesList([endpoint]);
  ordererOrg.getValuesMap().set('Endpoints', configValue(endpoints));

  const consenter = new orderer.etcdraft.Consenter();
  consenter.setHost(host);
  consenter.setPort(Number(portText));
  consenter.setClientTlsCert(Buffer.from(material.tls.serverCertPem));
  consenter.setServerTlsCert(Buffer.from(material.tls.serverCertPem));
  const raftOptions = new orderer.etcdraft.Options();
  raftOptions.setTickInterval('500ms');
  raftOptions.setElectionTick(10);
  raftOptions.setHeartbeatTick(1);
  raftOptions.setMaxInflightBlocks(5);
  raftOptions.setSnapshotIntervalSize(16 * 1024 * 1024);
  const raft = new orderer.etcdraft.ConfigMetadata();
  raft.setConsentersList([consenter]);
  raft.setOptions(raftOptions);
  const consensus = new orderer.ConsensusType();
  consensus.setType('etcdraft');
  consensus.setMetadata(raft.serializeBinary());
  consensus.setState(orderer.ConsensusType.State.STATE_NORMAL);

  const batchSize = new orderer.BatchSize();
  batchSize.setMaxMessageCount(options.maxMessageCount ?? 10);
  batchSize.setAbsoluteMaxBytes(99 * 1024 * 1024);
  batchSize.setPreferredMaxBytes(512 * 1024);
  const batchTimeout = new orderer.BatchTimeout();
  batchTimeout.setTimeout(options.batchTimeout ?? '2s');

  const ordererConfig = group();
  ordererConfig.getGroupsMap().set(ORDERER_ORG_NAME, ordererOrg);
  const values = ordererConfig.getValuesMap();
  values.set('ConsensusType', configValue(consensus));
  values.set('BatchSize', configValue(batchSize));
  values.set('BatchTimeout', configValue(batchTimeout));
  values.set('ChannelRestrictions', configValue(new orderer.ChannelRestrictions()));
  values.set('Capabilities', configValue(capabilities('V2_0')));
  const policies = ordererConfig.getPoliciesMap();
  policies.set('Readers', implicitMeta('ANY', 'Readers'));
  policies.set('Writers', implicitMeta('ANY', 'Writers'));
  policies.set('Admins', implicitMeta('MAJORITY', 'Admins'));
  policies.set('BlockValidation', implicitMeta('ANY', 'Writers'));
  return ordererConfig;
}

/** The channel `Config` (sequence 0) for the network's organisations. */
export function genesisConfig(material: NetworkMaterial, options: GenesisOptions = {}): common.Config {
  const allMspIds = [...material.orgs.map((org) => org.mspId), ORDERER_MSP_ID];

  const application = group();
  for (const org of material.orgs) {
    application
      .getGroupsMap()
      .set(
        org.mspId,
        orgGroup(
          org.mspId,
          fabricMspConfig(org.mspId, org.caCertPem, org.tlsCaCertPem),
          allMspIds,
          'application',
        ),
      );
  }
  application.getValuesMap().set('Capabilities', configValue(capabilities('V2_5')));
  const appPolicies = application.getPoliciesMap();
  appPolicies.set('Readers', implicitMeta('ANY', 'Readers'));
  appPolicies.set('Writers', implicitMeta('ANY', 'Writers'));
  appPolicies.set('Admins', implicitMeta('MAJORITY', 'Admins'));
  appPolicies.set('LifecycleEndorsement', implicitMeta('MAJORITY', 'Endorsement'));
  appPolicies.set('Endorsement', implicitMeta('MAJORITY', 'Endorsement'));

  const channel = group();
  channel.getGroupsMap().set('Application', application);
  channel.getGroupsMap().set('Orderer', ordererGroup(material, allMspIds, options));
  const hashing = new common.HashingAlgorithm();
  hashing.setName('SHA256');
  const dataHashing = new common.BlockDataHashingStructure();
  dataHashing.setWidth(0xffffffff);
  const values = channel.getValuesMap();
  values.set('HashingAlgorithm', configValue(hashing));
  values.set('BlockDataHashingStructure', configValue(dataHashing));
  values.set('Capabilities', configValue(capabilities('V2_0')));
  const policies = channel.getPoliciesMap();
  policies.set('Readers', implicitMeta('ANY', 'Readers'));
  policies.set('Writers', implicitMeta('ANY', 'Writers'));
  policies.set('Admins', implicitMeta('MAJORITY', 'Admins'));

  const config = new common.Config();
  config.setSequence(0);
  config.setChannelGroup(channel);
  return config;
}

/**
 * Block 0: one CONFIG envelope (unsigned, as configtxgen writes it) holding `ConfigEnvelope{config}`,
 * with LAST_CONFIG and SIGNATURES metadata pointing at block 0 and no signatures (`common/genesis`).
 * The nonce derives from the inputs, so the same material, channel and time give the same block.
 */
export function genesisConfigBlock(
  channelId: string,
  material: NetworkMaterial,
  timestampMillis: number,
  options: GenesisOptions = {},
): common.Block {
  const nonce = createHash('sha256')
    .update(`keyledger-devnet-genesis\0${channelId}\0${timestampMillis}\0`)
    .update(material.orgs.map((org) => org.caCertPem).join(''))
    .digest()
    .subarray(0, 24);
  const timestamp = new Timestamp();
  timestamp.setSeconds(Math.floor(timestampMillis / 1000));
  timestamp.setNanos((timestampMillis % 1000) * 1_000_000);

  const channelHeader = new common.ChannelHeader();
  channelHeader.setType(common.HeaderType.CONFIG);
  channelHeader.setVersion(GENESIS_MSG_VERSION);
  channelHeader.setTimestamp(timestamp);
  channelHeader.setChannelId(channelId);
  channelHeader.setEpoch(0);
  // protoutil.ComputeTxID(nonce, creator = nil)
  channelHeader.setTxId(createHash('sha256').update(nonce).digest('hex'));
  const signatureHeader = new common.SignatureHeader();
  signatureHeader.setNonce(nonce);
  const header = new common.Header();
  header.setChannelHeader(channelHeader.serializeBinary());
  header.setSignatureHeader(signatureHeader.serializeBinary());

  const configEnvelope = new common.ConfigEnvelope();
  configEnvelope.setConfig(genesisConfig(material, options));
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(configEnvelope.serializeBinary());
  const envelope = new common.Envelope();
  envelope.setPayload(payload.serializeBinary());

  const block = newBlock(0, new Uint8Array(), [envelope.serializeBinary()]);
  const lastConfig = new common.LastConfig();
  lastConfig.setIndex(0);
  const lastConfigMetadata = new common.Metadata();
  lastConfigMetadata.setValue(lastConfig.serializeBinary());
  const ordererMetadata = new common.OrdererBlockMetadata();
  ordererMetadata.setLastConfig(lastConfig);
  const signaturesMetadata = new common.Metadata();
  signaturesMetadata.setValue(ordererMetadata.serializeBinary());
  const slots = block.getMetadata()?.getMetadataList_asU8() ?? [];
  slots[common.BlockMetadataIndex.LAST_CONFIG] = lastConfigMetadata.serializeBinary();
  slots[common.BlockMetadataIndex.SIGNATURES] = signaturesMetadata.serializeBinary();
  block.getMetadata()?.setMetadataList(slots);
  return block;
}

/** What a config block says, decoded. */
export interface DecodedConfigBlock {
  readonly channelId: string;
  readonly txId: string;
  readonly config: common.Config;
  /** Application organisations: their FabricMSPConfig name and root/TLS root certificates. */
  readonly applicationMsps: MspDefinition[];
  readonly ordererMsps: MspDefinition[];
}

function mspDefinitions(parent: common.ConfigGroup | undefined): MspDefinition[] {
  if (parent === undefined) return [];
  const definitions: MspDefinition[] = [];
  parent.getGroupsMap().forEach((org) => {
    const value = org.getValuesMap().get('MSP');
    if (value === undefined) return;
    const mspConfig = msp.MSPConfig.deserializeBinary(value.getValue_asU8());
    const fabric = msp.FabricMSPConfig.deserializeBinary(mspConfig.getConfig_asU8());
    definitions.push({
      mspId: fabric.getName(),
      rootCertPems: fabric.getRootCertsList_asU8().map((cert) => Buffer.from(cert).toString('utf8')),
    });
  });
  return definitions;
}

/**
 * Decodes a config block: envelope 0 → Payload → ChannelHeader (type CONFIG) → ConfigEnvelope.
 * @throws Error when the block is not a config block
 */
export function decodeConfigBlock(block: common.Block): DecodedConfigBlock {
  const first = block.getData()?.getDataList_asU8()[0];
  if (first === undefined) throw new Error('block has no envelope');
  const payload = common.Payload.deserializeBinary(
    common.Envelope.deserializeBinary(first).getPayload_asU8(),
  );
  const channelHeader = common.ChannelHeader.deserializeBinary(
    payload.getHeader()?.getChannelHeader_asU8() ?? new Uint8Array(),
  );
  if (channelHeader.getType() !== common.HeaderType.CONFIG)
    throw new Error(`block ${block.getHeader()?.getNumber() ?? '?'} is not a config block`);
  const config = common.ConfigEnvelope.deserializeBinary(payload.getData_asU8()).getConfig();
  if (config === undefined) throw new Error('config envelope has no config');
  const channel = config.getChannelGroup();
  return {
    channelId: channelHeader.getChannelId(),
    txId: channelHeader.getTxId(),
    config,
    applicationMsps: mspDefinitions(channel?.getGroupsMap().get('Application')),
    ordererMsps: mspDefinitions(channel?.getGroupsMap().get('Orderer')),
  };
}
