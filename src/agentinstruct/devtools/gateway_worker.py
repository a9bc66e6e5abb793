"""Runs the gateway on N synthetic requests against an endpoint, as a process one can kill.

python -m agentinstruct.devtools.gateway_worker BASE_URL CACHE_PATH N OUT_JSON [CONFIG_JSON]

CONFIG_JSON: gateway settings over the defaults, e.g. '{"calls": "batch"}'.
"""

import json
import sys

from agentinstruct.gateway import Credentials, GatewayConfig, LLMGateway, LLMRequest, open_gateway
from agentinstruct.schemas.llm_outputs import contracts

MODEL = "openai/fake-teacher"
ANSWER = contracts().teacher_answer


def requests(count: int) -> list[LLMRequest]:
    return [
        LLMRequest(f"item-{i}", [{"role": "user", "content": f"Question {i}?"}], ANSWER)
        for i in range(count)
    ]


def gateway(
    base_url: str, cache_path: str, api_key: str = "sk-fake", **config: object
) -> LLMGateway:
    settings = {"concurrency": 8, "progress": False, "input_cost_per_token": 0.0, **config}
    return open_gateway(
        GatewayConfig(model=MODEL, cache_path=cache_path, **settings),
        Credentials(api_key=api_key, api_base=base_url),
    )


def worker_command(
    base_url: str, cache_path: str, count: int, out: str, config: dict | None = None
) -> list[str]:
    """The command line that runs this module as a process (one a test can kill)."""
    module = "agentinstruct.devtools.gateway_worker"
    command = [sys.executable, "-m", module, base_url, cache_path, str(count), out]
    return command + ([json.dumps(config)] if config else [])


def main() -> None:
    base_url, cache_path, count, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    config = json.loads(sys.argv[5]) if len(sys.argv) > 5 else {}
    results = gateway(base_url, cache_path, **config).generate("worker", requests(count))
    outputs = [result.output.model_dump() if result.output else None for result in results]
    with open(out, "w") as file:
        json.dump(outputs, file)


if __name__ == "__main__":
    main()
