import { createConsistencyEndpoint } from '../../checks/adapters/consistency-endpoint.js';
import type { ServiceHooks } from '../service.js';

/** `GET /api/consistency` runs the same check as `streamctl check consistency`, inside the service. */
export const consistencyEndpoint: ServiceHooks['consistency'] = createConsistencyEndpoint;
