// Live corridor board: poll the JSON endpoint and update the numbers in place (no framework, no CDN).
"use strict";
(function () {
  const root = document.getElementById("board");
  if (!root) return;
  const src = root.dataset.src;
  const period = Math.max(1000, parseInt(root.dataset.refreshMs, 10) || 5000);
  const status = document.getElementById("board-status");

  function pick(obj, path) {
    return path.split(".").reduce((o, k) => (o == null ? undefined : o[k]), obj);
  }

  function show(data) {
    root.querySelectorAll("[data-key]").forEach((el) => {
      let v = pick(data, el.dataset.key);
      if (v === undefined) return;
      if (el.dataset.key === "at") v = v.replace("T", " ").replace(/\.\d+/, "").replace(/(Z|\+00:00)$/, " UTC");
      el.textContent = String(v);
    });
    root.dataset.updates = String((parseInt(root.dataset.updates, 10) || 0) + 1);
  }

  async function tick() {
    try {
      const r = await fetch(src, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } });
      if (r.status === 401) {
        status.textContent = "session ended: log in again";
        return; // stop polling
      }
      if (!r.ok) throw new Error("HTTP " + r.status);
      show(await r.json());
      status.textContent = "";
    } catch (e) {
      status.textContent = "cannot reach the server, retrying";
    }
    setTimeout(tick, period);
  }
  setTimeout(tick, period);
})();
