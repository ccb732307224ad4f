import { loadConfig } from './config.js';
import { startGateway } from './gateway.js';

// `npm run gateway`: one process per community centre. Logs carry ids and counts, never patient data.
const config = loadConfig();
const gateway = await startGateway(config);
console.log(
  JSON.stringify({
    msg: 'Zhiyin gateway is running',
    aeTitle: config.aeTitle,
    dicomPort: gateway.dicomPort,
    status: `http://${config.httpHost}:${gateway.httpPort}/`,
  }),
);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    void gateway.stop().then(() => process.exit(0));
  });
