// The engine's public face: the front ends, the workspace layer and the tests import from here, so
// modules inside the engine can move without breaking them.
export * from './admission';
export * from './analyze';
export * from './celCheck';
export * from './check';
export * from './constraints';
export * from './edits';
export * from './enforcement';
export * from './expansion';
export * from './explain';
export * from './fixes';
export * from './imageRef';
export * from './images';
export * from './inventory';
export * from './locate';
export * from './match';
export * from './messages';
export * from './objects';
export * from './options';
export * from './policies';
export * from './policy';
export * from './policyLint';
export * from './policySet';
export * from './regoCheck';
export * from './rewrite';
export * from './scope';
export * from './templates';
