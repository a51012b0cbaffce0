// Deterministic synthetic workspaces for the benchmark and the differential tests: realistic
// Deployments, Services, CronJobs and ConfigMaps, several documents per file, one constraint.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A small seeded PRNG (mulberry32): the same seed gives the same workspace everywhere. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const registries = ['registry.corp.example/', 'docker.io/', '', 'ghcr.io/acme/', 'quay.io/prometheus/', 'gcr.io/distroless/'];
const names = ['api', 'web', 'worker', 'billing', 'search', 'cart', 'auth', 'gateway', 'metrics', 'ledger'];

export const syntheticConstraint = `apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sAllowedRepos
metadata:
  name: corp-registry-only
spec:
  match:
    kinds:
      - apiGroups: [""]
        kinds: ["Pod"]
  parameters:
    repos:
      - "registry.corp.example/"
`;

export function syntheticFile(rand: () => number, i: number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const app = `${pick(names)}-${i}`;
  const image = () => `${pick(registries)}${pick(names)}:${1 + Math.floor(rand() * 9)}.${Math.floor(rand() * 20)}.${Math.floor(rand() * 10)}`;
  const docs: string[] = [];
  docs.push(`# ${app}: generated for the benchmark
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${app}
  namespace: team-${i % 17}
  labels:
    app.kubernetes.io/name: ${app}
    app.kubernetes.io/part-of: shop
  annotations:
    description: "The ${app} service, deployed by CI"
spec:
  replicas: ${1 + (i % 5)}
  selector:
    matchLabels: {app: ${app}}
  template:
    metadata:
      labels:
        app: ${app}
        tier: backend
    spec:
      serviceAccountName: ${app}
      initContainers:
        - name: migrate
          image: ${image()}
          command: ["/bin/migrate", "--database", "postgres://db:5432/${app}"]
      containers:
        - name: ${app}
          image: ${image()}
          imagePullPolicy: IfNotPresent
          args:
            - --port=8080
            - --log-level=info
          ports:
            - containerPort: 8080
              name: http
          env:
            - name: DATABASE_URL
              valueFrom:
                secretKeyRef: {name: ${app}-db, key: url}
            - name: FEATURE_FLAGS
              value: 'checkout,search'
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits:
              cpu: "1"
              memory: 512Mi
          readinessProbe:
            httpGet: {path: /healthz, port: http}
            initialDelaySeconds: 5
        - name: sidecar
          image: ${image()}  # log shipper
`);
  docs.push(`apiVersion: v1
kind: Service
metadata:
  name: ${app}
  namespace: team-${i % 17}
spec:
  selector:
    app: ${app}
  ports:
    - port: 80
      targetPort: http
      protocol: TCP
`);
  if (i % 3 === 0) {
    docs.push(`apiVersion: batch/v1
kind: CronJob
metadata:
  name: ${app}-report
  namespace: team-${i % 17}
spec:
  schedule: "${i % 60} 3 * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      backoffLimit: 2
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: report
              image: ${image()}
              command:
                - /bin/sh
                - -c
                - echo "report for ${app}"
`);
  }
  if (i % 4 === 0) {
    docs.push(`apiVersion: v1
kind: ConfigMap
metadata:
  name: ${app}-config
data:
  app.properties: |
    server.port=8080
    feature.search=true

    # tuned for production
    cache.size=512
  notes: >-
    Folded text that the
    reader joins with spaces.
`);
  }
  return docs.join('---\n');
}

/** Writes `count` files (and the constraint) into `dir`; returns the total size in bytes. */
export function writeSyntheticWorkspace(dir: string, count: number, seed = 42): number {
  const rand = prng(seed);
  fs.mkdirSync(path.join(dir, 'policy'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'policy', 'constraint.yaml'), syntheticConstraint);
  let bytes = syntheticConstraint.length;
  for (let i = 0; i < count; i++) {
    const sub = path.join(dir, `svc-${Math.floor(i / 100)}`);
    if (i % 100 === 0) fs.mkdirSync(sub, { recursive: true });
    const text = syntheticFile(rand, i);
    fs.writeFileSync(path.join(sub, `app-${i}.yaml`), text);
    bytes += Buffer.byteLength(text);
  }
  return bytes;
}
