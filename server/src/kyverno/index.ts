// Kyverno's CEL ValidatingPolicy as a policy source: read the policies of a set of objects
// (readKyvernoSet), evaluate them against one object as Kyverno's engine does, autogen for pod
// controllers included (evaluateKyverno -> pass/fail/skip/error/notEvaluated per policy), and turn
// the results into decisions per validationAction (kyvernoDecisions).
export { readKyvernoSet, evaluateKyverno, kyvernoDecisions, kyvernoCel, type KyvernoSet, type KyvernoResult, type KyvernoDecision, type KyvernoOptions, type KyvernoOutcome } from './evaluate';
export { autogenVariants, canAutogen, rewriteExpression, type AutogenVariant } from './autogen';
export { readKyvernoPolicy, type KyvernoPolicy } from './policy';
export { needsOutside, kyvernoFunctions } from './library';
export { lintKyverno, type KyvernoLint } from './lint';
export { readKyvernoException, type KyvernoException } from './exceptions';
