import type { GatewayConfig } from './config.js';
import { startDicomListener } from './dicom-scp.js';
import { Forwarder } from './forwarder.js';
import { HubClient } from './hub-client.js';
import { DurableQueue } from './queue.js';
import { startStatusPage } from './status-page.js';
import { WatchFolder } from './watch-folder.js';
import { WorklistCache } from './worklist-cache.js';

/** The gateway's parts wired together: queue first (read back from disk), then worklist, receivers, forwarder, page. */
export async function startGateway(config: GatewayConfig) {
  const queue = new DurableQueue(config.dataDir, config.queueMaxBytes);
  await queue.open();
  const hub = new HubClient(config.hubUrl, config.credential);
  const worklist = new WorklistCache(config.dataDir, hub);
  await worklist.open(config.worklistIntervalMs);
  const dicom = await startDicomListener(config.dicomHost, config.dicomPort, {
    aeTitle: config.aeTitle,
    allowedAes: config.allowedAes,
    queue,
    worklist,
  });
  const watch = config.watchDir ? new WatchFolder(config.watchDir, queue, config.watchIntervalMs) : undefined;
  watch?.start();
  const forwarder = new Forwarder(queue, hub, worklist, config);
  forwarder.start();
  const status = await startStatusPage(config.httpHost, config.httpPort, { queue, hub, worklist, watch });
  return {
    dicomPort: dicom.port,
    httpPort: status.port,
    async stop() {
      watch?.stop();
      worklist.stop();
      await dicom.close();
      hub.close();
      await forwarder.stop();
      await new Promise<void>((resolve) => status.server.close(() => resolve()));
    },
  };
}
