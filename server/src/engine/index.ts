// The engine's public face: the front ends, the workspace layer and the tests import from here, so
// modules inside the engine can move without breaking them.
export * from './analyze';
export * from './check';
export * from './constraints';
export * from './edits';
export * from './expansion';
export * from './explain';
export * from './imageRef';
export * from './images';
export * from './match';
export * from './objects';
export * from './policies';
export * from './policyLint';
export * from './regoCheck';
export * from './rewrite';
