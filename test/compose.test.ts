import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Service {
  image?: string;
  build?: string | { context: string; dockerfile?: string; dockerfile_inline?: string; target?: string };
  command?: string[];
  profiles?: string[];
  ports?: string[];
  volumes?: string[];
  configs?: Array<{ source: string; target: string }>;
  environment?: Record<string, string>;
  depends_on?: string[] | Record<string, unknown>;
  deploy?: { replicas?: string | number; resources?: { reservations?: { devices?: Array<{ driver: string; capabilities: string[] }> } } };
}
interface Compose {
  services: Record<string, Service>;
  configs?: Record<string, { content?: string; file?: string }>;
  volumes?: Record<string, unknown>;
}

const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as Compose;
const services = Object.entries(compose.services);

/** `./a:/b:ro` → `./a`; named volumes (no slash) are not paths. */
function bindSource(volume: string): string | undefined {
  const source = volume.split(':')[0]!;
  return source.startsWith('.') || source.startsWith('/') ? source : undefined;
}

describe('docker-compose.yml (docker is not usable here: checked as a file)', () => {
  it('has the broker, Vigil, Prometheus, Grafana, an OpenTelemetry Collector, Jaeger and a gpu profile', () => {
    const vigilServices = ['demo', 'ingest', 'detector', 'predictor', 'logs', 'risk', 'incidents', 'remediation', 'reco'];
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['kafka', 'topics', 'postgres', ...vigilServices, 'prometheus', 'grafana', 'otel-collector', 'jaeger']));
    for (const [name, s] of services) expect(s.image, `${name} names its image`).toMatch(/^[\w./-]+:[\w.-]+$/);
    // Every service of the codebase runs in a container of its own, from the one image.
    const registry = readFileSync('src/app/services.ts', 'utf8');
    const known = [...registry.matchAll(/^  (\w+): async \(\) =>/gm)].map((m) => m[1]!);
    expect(known.sort()).toEqual([...vigilServices].sort());
    for (const name of vigilServices) {
      expect(compose.services[name]!.command).toEqual(['start', name]);
      expect(compose.services[name]!.image).toBe('vigil:local');
    }
    // The gpu profile: the model services from the Dockerfile's gpu stage, the NVIDIA device reserved.
    const gpuServices = services.filter(([, s]) => s.profiles);
    expect(gpuServices.map(([n]) => n).sort()).toEqual(['logs-gpu', 'predictor-gpu', 'risk-gpu']);
    for (const [name, gpu] of gpuServices) {
      expect(gpu.profiles).toEqual(['gpu']);
      expect(gpu.deploy?.resources?.reservations?.devices, name).toContainEqual(expect.objectContaining({ driver: 'nvidia', capabilities: ['gpu'] }));
      expect(gpu.environment?.VIGIL_TF_BACKEND).toBe('tensorflow-gpu');
      expect(typeof gpu.build === 'object' && gpu.build.target).toBe('gpu');
      expect(compose.services[name.replace(/-gpu$/, '')]!.deploy?.replicas).toBe('${VIGIL_CPU_REPLICAS:-1}');
    }
    expect(readFileSync('Dockerfile', 'utf8')).toMatch(/FROM \S+ AS gpu[\s\S]*@tensorflow\/tfjs-node-gpu|@tensorflow\/tfjs-node-gpu[\s\S]*AS gpu/);
  });

  it('mounts, builds and configures only paths that exist in the repo', () => {
    const missing: string[] = [];
    for (const [name, s] of services) {
      for (const v of s.volumes ?? []) {
        const source = bindSource(v);
        if (source !== undefined && !existsSync(resolve(source))) missing.push(`${name}: ${v}`);
        if (source === undefined && !(v.split(':')[0]! in (compose.volumes ?? {}))) missing.push(`${name}: undeclared volume ${v}`);
      }
      const build = typeof s.build === 'string' ? { context: s.build } : s.build;
      if (build) {
        if (!existsSync(resolve(build.context))) missing.push(`${name}: build context ${build.context}`);
        if (!build.dockerfile_inline && !existsSync(join(build.context, build.dockerfile ?? 'Dockerfile'))) missing.push(`${name}: Dockerfile`);
        // What a Dockerfile copies from the context must be there too.
        const dockerfile = build.dockerfile_inline ?? readFileSync(join(build.context, build.dockerfile ?? 'Dockerfile'), 'utf8');
        for (const m of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
          for (const p of m[1]!.split(/\s+/)) if (!existsSync(join(build.context, p))) missing.push(`${name}: COPY ${p}`);
        }
      }
      for (const c of s.configs ?? []) if (!compose.configs?.[c.source]) missing.push(`${name}: config ${c.source}`);
    }
    for (const [name, c] of Object.entries(compose.configs ?? {})) {
      if (c.file !== undefined && !existsSync(resolve(c.file))) missing.push(`config ${name}: ${c.file}`);
    }
    expect(missing).toEqual([]);
  });

  it('gives the non-root Vigil image writable volumes, and the broker its log directory on its volume', () => {
    // Both image stages run as the unprivileged `node` user: every path a Vigil service mounts a
    // volume on must be created and chowned to it in the stage before `USER node`, or the volume
    // starts root-owned and the model stores cannot write.
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    const stages = dockerfile.split(/^(?=FROM )/m).filter((x) => x.startsWith('FROM '));
    const runtime = stages.filter((x) => /^ENTRYPOINT /m.test(x));
    expect(runtime.length).toBe(2);
    const problems: string[] = [];
    const vigil = services.filter(([, s]) => s.image?.startsWith('vigil:'));
    for (const stage of runtime) {
      const name = stage.split('\n')[0]!;
      const user = stage.search(/^USER node$/m);
      if (user < 0) problems.push(`${name}: no USER node`);
      const before = stage.slice(0, user < 0 ? undefined : user);
      const owned = [...before.matchAll(/chown node:node ([^\n&]+)/g)].flatMap((m) => m[1]!.trim().split(/\s+/));
      const made = [...before.matchAll(/mkdir -p ([^\n&]+)/g)].flatMap((m) => m[1]!.trim().split(/\s+/));
      for (const [svc, s] of vigil) {
        for (const v of s.volumes ?? []) {
          if (bindSource(v) !== undefined) continue;
          const target = v.split(':')[1]!;
          if (!owned.includes(target) || !made.includes(target)) problems.push(`${name}: ${svc} mounts a volume on ${target}, not created and chowned to node before USER node`);
        }
      }
    }
    // Model directories set in the environment lie on a volume (else a restart forgets the models).
    for (const [svc, s] of vigil) {
      for (const key of ['PREDICTOR_MODEL_DIR', 'RISK_MODEL_DIR'] as const) {
        const dir = s.environment?.[key];
        if (dir && !(s.volumes ?? []).some((v) => bindSource(v) === undefined && dir.startsWith(`${v.split(':')[1]!}/`))) problems.push(`${svc}: ${key}=${dir} is on no volume`);
      }
    }
    for (const model of ['predictor', 'risk']) {
      if (!(compose.services[model]!.volumes ?? []).some((v) => v.startsWith('models:'))) problems.push(`${model}: no models volume`);
    }
    // The broker writes its log where its volume is mounted.
    const kafka = compose.services.kafka!;
    const logDirs = kafka.environment?.KAFKA_LOG_DIRS;
    if (!logDirs) problems.push('kafka: KAFKA_LOG_DIRS is not set (the image logs under /tmp, off the volume)');
    else if (!(kafka.volumes ?? []).some((v) => v.split(':')[1] === logDirs)) problems.push(`kafka: KAFKA_LOG_DIRS=${logDirs} is not a mounted volume`);
    expect(problems).toEqual([]);
  });

  it('publishes every host port once', () => {
    const hostPorts = services.flatMap(([name, s]) => (s.ports ?? []).map((p) => ({ name, host: p.split(':').slice(0, -1).join(':') })));
    expect(hostPorts.length).toBeGreaterThan(4);
    expect(hostPorts.every((p) => /^\d+$/.test(p.host))).toBe(true);
    const seen = new Map<string, string>();
    const clashes: string[] = [];
    for (const p of hostPorts) {
      if (seen.has(p.host)) clashes.push(`${p.host}: ${seen.get(p.host)} and ${p.name}`);
      seen.set(p.host, p.name);
    }
    expect(clashes).toEqual([]);
  });

  it('points Prometheus at the Vigil services and at rules/prometheus, Grafana at dashboards/, traces at the collector and on to Jaeger', () => {
    const prom = compose.services.prometheus!;
    const promConfig = parse(compose.configs![prom.configs![0]!.source]!.content!) as {
      rule_files: string[];
      scrape_configs: Array<{ job_name: string; dns_sd_configs?: Array<{ names: string[]; port: number }> }>;
    };
    // rule_files lies inside the rules mount and matches the rule files (not their tests).
    const rulesMount = prom.volumes!.find((v) => v.startsWith('./rules/prometheus:'))!.split(':')[1]!;
    expect(promConfig.rule_files).toEqual([`${rulesMount}/*.yaml`]);
    expect(readdirSync('rules/prometheus').filter((f) => f.endsWith('.yaml')).length).toBeGreaterThanOrEqual(2);
    const vigilJob = promConfig.scrape_configs.find((j) => j.job_name === 'vigil')!;
    // VigilDown matches job=~"vigil.*".
    expect(readFileSync('rules/prometheus/alerts.yaml', 'utf8')).toContain('up{job=~"vigil.*"}');
    for (const sd of vigilJob.dns_sd_configs!) {
      for (const n of sd.names) expect(compose.services[n], `scrape target ${n} is a service`).toBeDefined();
      expect(sd.port).toBe(8080);
    }

    const grafana = compose.services.grafana!.volumes!;
    expect(grafana).toContain('./dashboards/provisioning:/etc/grafana/provisioning:ro');
    expect(grafana).toContain('./dashboards:/var/lib/grafana/dashboards/vigil:ro');
    const provider = readFileSync('dashboards/provisioning/dashboards/vigil.yaml', 'utf8');
    expect(provider).toContain('path: /var/lib/grafana/dashboards/vigil');
    const home = compose.services.grafana!.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH!;
    expect(existsSync(home.replace('/var/lib/grafana/dashboards/vigil', 'dashboards'))).toBe(true);
    const datasources = readFileSync('dashboards/provisioning/datasources/prometheus.yaml', 'utf8');
    expect(datasources).toContain('url: http://prometheus:9090');

    // Vigil → collector (OTLP/HTTP) → Jaeger (OTLP/gRPC).
    const endpoint = new URL(compose.services.ingest!.environment!.OTEL_EXPORTER_OTLP_ENDPOINT!);
    expect(compose.services[endpoint.hostname]).toBeDefined();
    const collector = parse(compose.configs!['otel-collector-config']!.content!) as {
      receivers: { otlp: { protocols: { http: { endpoint: string } } } };
      exporters: Record<string, { endpoint: string }>;
      service: { pipelines: { traces: { receivers: string[]; exporters: string[] } } };
    };
    expect(collector.receivers.otlp.protocols.http.endpoint.endsWith(`:${endpoint.port}`)).toBe(true);
    const exporter = collector.exporters[collector.service.pipelines.traces.exporters[0]!]!;
    expect(compose.services[exporter.endpoint.split(':')[0]!]).toBeDefined();
  });

  it.runIf(hasDockerCompose())('is valid for docker compose config', () => {
    execFileSync('docker', ['compose', '-f', 'docker-compose.yml', 'config', '--quiet'], { stdio: 'pipe' });
  });
});

function hasDockerCompose(): boolean {
  try {
    execFileSync('docker', ['compose', 'version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
