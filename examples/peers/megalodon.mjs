// A megalodon streaming consumer, for `examples/throughput.rs` (`peers`): reads N `update`
// events of the public stream (WebSocket), prints each status id, then exits.
//
//     npm install --prefix examples/peers
//     TOOTWATCH_INSTANCE=http://127.0.0.1:PORT TOOTWATCH_TOKEN=T node megalodon.mjs N
import generator from "megalodon";

const wanted = Number(process.argv[2]);
const client = generator(
  "mastodon",
  process.env.TOOTWATCH_INSTANCE,
  process.env.TOOTWATCH_TOKEN,
);
const stream = await client.publicStreaming();
let seen = 0;
stream.on("update", (status) => {
  process.stdout.write(`${status.id}\n`);
  seen += 1;
  if (seen >= wanted) {
    process.stdout.write("", () => process.exit(0));
  }
});
stream.on("error", (e) => console.error(e));
