"""A Mastodon.py streaming consumer, for `examples/throughput.rs` (`peers`): reads N `update`
events of the public stream (server-sent events), prints each status id, then exits.

    pip install Mastodon.py
    TOOTWATCH_INSTANCE=http://127.0.0.1:PORT TOOTWATCH_TOKEN=T python3 mastodon_py.py N
"""

import os
import sys

from mastodon import Mastodon, StreamListener

wanted = int(sys.argv[1])
api = Mastodon(
    access_token=os.environ["TOOTWATCH_TOKEN"],
    api_base_url=os.environ["TOOTWATCH_INSTANCE"],
    version_check_mode="none",
)


class Count(StreamListener):
    seen = 0

    def on_update(self, status):
        sys.stdout.write(f"{status['id']}\n")
        Count.seen += 1
        if Count.seen >= wanted:
            sys.stdout.flush()
            os._exit(0)


api.stream_public(Count())
