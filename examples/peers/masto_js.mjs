// A masto.js streaming consumer, for `examples/throughput.rs` (`peers`): reads N `update`
// events of the public stream (WebSocket), prints each status id, then exits.
//
//     npm install --prefix examples/peers
//     TOOTWATCH_INSTANCE=http://127.0.0.1:PORT TOOTWATCH_TOKEN=T node masto_js.mjs N
import { createStreamingAPIClient } from "masto";

const wanted = Number(process.argv[2]);
const client = createStreamingAPIClient({
  streamingApiUrl: process.env.TOOTWATCH_INSTANCE.replace(/^http/, "ws"),
  accessToken: process.env.TOOTWATCH_TOKEN,
});
let seen = 0;
for await (const event of client.public.subscribe()) {
  if (event.event !== "update") continue;
  process.stdout.write(`${event.payload.id}\n`);
  seen += 1;
  if (seen >= wanted) {
    process.stdout.write("", () => process.exit(0));
    break;
  }
}
