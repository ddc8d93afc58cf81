"""The agent's lean runtime: `python -m edge_agent --config-fd N`, which `i5g agent run` execs into.

Unused standard-library modules are deferred before anything imports paho-mqtt (edge_agent/deferred.py);
then edge_agent.agent reads the validated config and runs.
"""

import sys

from edge_agent.deferred import UNUSED_ON_GATEWAYS, defer

for _name in UNUSED_ON_GATEWAYS:
    defer(_name)

from edge_agent.agent import main  # noqa: E402  (after defer(), which must come before paho's import)

sys.exit(main())
