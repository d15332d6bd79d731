import type { ServiceHooks } from '../service.js';

/** Wires `GET /api/consistency` to the consistency check; undefined leaves the endpoint out. */
export const consistencyEndpoint: ServiceHooks['consistency'] = undefined;
