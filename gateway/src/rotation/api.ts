import type { ApiModuleFactory } from '../http';
import { RotationAgents, rotationMetrics, type RotationApiDeps } from './routes/agents';
import { cryptoRoutes } from './routes/crypto';
import { proposalRoutes } from './routes/proposals';
import { queueRoutes } from './routes/queues';
import { TAG_CRYPTO, TAG_PROPOSALS, TAG_QUEUES } from './routes/tags';

/** The rotation capability's part of the REST API: queues and policies, proposals, encrypt and decrypt. */
export function rotationApi(deps: RotationApiDeps = {}): ApiModuleFactory {
  return ({ registry }) => {
    const agents = new RotationAgents(deps, rotationMetrics(registry));
    return {
      name: 'rotation',
      routes: [...queueRoutes(agents), ...proposalRoutes(agents), ...cryptoRoutes(agents)],
      tags: [
        { name: TAG_QUEUES, description: 'Per-queue key policies, the active key and its history' },
        { name: TAG_PROPOSALS, description: 'Key rotations proposed and approved by a validator quorum' },
        { name: TAG_CRYPTO, description: "Messages sealed and opened by the caller's front-end node" },
      ],
      describeCaller: (caller) => ({
        validatorAgent: agents.validatorNameOf(caller),
        frontendNode: agents.frontendNameOf(caller),
      }),
    };
  };
}
