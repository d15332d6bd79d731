export * from './latency-histogram.js';
export * from './sliding-window.js';
export * from './prometheus.js';
export * from './lifetime-counters.js';
