"""Render a Kedro-Viz build in headless Chromium: the node names it shows, and a screenshot.

Used by the browser test, and to refresh the README's screenshot:

    .venv/bin/kedro viz build
    .venv/bin/python -m agentinstruct.devtools.viz_check build docs/images/kedro-viz.png
"""

import argparse
import functools
import os
import shutil
import threading
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def chromium_path() -> str | None:
    """A Chromium to drive: $CHROMIUM_PATH, else the first one on PATH (Debian: `chromium`)."""
    return os.environ.get("CHROMIUM_PATH") or next(
        (path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None
    )


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(folder: Path):
    """The folder over HTTP on 127.0.0.1 (a free port), for as long as the block runs."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join()


def render_pipeline(build: Path, pipeline: str | None, screenshot: Path | None = None) -> list[str]:
    """Open the build's `pipeline` (None: the page Kedro-Viz opens on, `__default__`) with its
    namespace expanded; the names of the drawn nodes. A pipeline too large to draw shows
    Kedro-Viz's "chunky pipeline" notice instead of nodes, and this times out."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise FileNotFoundError(
            "no Chromium found: install Debian's `chromium` or set CHROMIUM_PATH"
        )
    with serve(build) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1600})
            chosen = f"pid={pipeline}&" if pipeline else ""
            page.goto(f"{url}/?{chosen}expandAllPipelines=true")
            page.wait_for_selector(".pipeline-node", timeout=30_000)
            page.wait_for_timeout(1_000)  # layout settles after the first nodes appear
            tour = page.locator(".feature-hints__close")  # Kedro-Viz's first-visit tour
            if tour.count():
                tour.first.click()
                page.mouse.move(0, 0)
                page.wait_for_timeout(4_000)  # the "hints are in Settings" toast fades
            names = [name.strip() for name in page.locator(".pipeline-node").all_text_contents()]
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot))
        finally:
            browser.close()
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("build", type=Path, help="the folder `kedro viz build` wrote")
    parser.add_argument("screenshot", type=Path)
    parser.add_argument("--pipeline", default=None, help="default: the one Kedro-Viz opens on")
    args = parser.parse_args()
    names = render_pipeline(args.build, args.pipeline, args.screenshot)
    print(f"{len(names)} nodes drawn; screenshot: {args.screenshot}")


if __name__ == "__main__":
    main()
