// Vigil's floors (../shared/DESIGN.md, "Layout"): arrows point down only. The app root
// (src/main.ts, src/app/) knows every service; a service imports the platform, the shared
// libraries in src/lib/ (through their index.ts) and its own files; the platform imports no one.
// Checked by `npx depcruise src` in .ci/run and by test/dependency-rule.test.ts.
const SERVICE = '^src/(?!platform/|lib/|app/|main\\.ts)([^/]+)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'platform-imports-no-service',
      comment: 'src/platform/ is the ground floor: it imports nothing else of src/.',
      severity: 'error',
      from: { path: '^src/platform/' },
      to: { path: '^src/', pathNot: '^src/platform/' },
    },
    {
      name: 'lib-imports-only-platform',
      comment: 'A shared library serves services: it imports the platform and other libraries only.',
      severity: 'error',
      from: { path: '^src/lib/' },
      to: { path: '^src/', pathNot: '^src/(platform|lib)/' },
    },
    {
      name: 'no-service-imports-another',
      comment: 'What two services share moves down to src/lib/ or src/platform/.',
      severity: 'error',
      from: { path: SERVICE },
      to: { path: '^src/', pathNot: ['^src/$1/', '^src/(platform|lib|app)/', '^src/main\\.ts$'] },
    },
    {
      name: 'lib-through-its-index',
      comment: 'A service sees a library as its index.ts exports, not its inner files.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/lib/' },
      to: { path: '^src/lib/[^/]+/', pathNot: '^src/lib/[^/]+/index\\.ts$' },
    },
    {
      name: 'nothing-imports-the-app-root',
      comment: 'Only the entry point (src/main.ts) may import the composition root.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/app/', '^src/main\\.ts$'] },
      to: { path: '^src/(app/|main\\.ts$)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.d\\.ts$' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
