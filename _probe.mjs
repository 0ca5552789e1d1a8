import { build } from 'vite';
await build({ root: '/work/main/demo', configFile: false, logLevel: 'info', build: { outDir: '/tmp/vt/out', emptyOutDir: true, rollupOptions: { input: '/work/main/demo/_probe.html' } } });
