// The report's map: zoom and pan by changing the viewBox (no library); places, labels and the scale bar keep their
// screen size; labels are placed by priority and hidden where they would overlap; the route key follows the rows.
(function () {
  var svg = document.getElementById("map");
  if (!svg) return;
  var proj = svg.dataset.proj.split(" ").map(Number);  // k x0 y1 s pad, as in svgmap.Projection
  var kmPerUnit = Number(svg.dataset.kmPerUnit);
  var full = svg.getAttribute("viewBox").split(" ").map(Number);
  var vb = full.slice();
  var MIN_WIDTH = full[2] / 400;
  var SAME_NAME_PX = 320;  // country and river names repeat no closer than this
  var labels = [].slice.call(svg.querySelectorAll(".maplabel")).map(function (g, i) {
    var t = g.querySelector("text"), dot = g.querySelector("circle");
    var box = t.getBBox();
    return {g: g, t: t, x: +g.dataset.x, y: +g.dataset.y, p: +g.dataset.priority, i: i,
            minw: g.dataset.minw ? +g.dataset.minw : 0, maxw: g.dataset.maxw ? +g.dataset.maxw : Infinity,
            r: dot ? +dot.getAttribute("r") : 0, w: box.width, h: box.height};
  });
  // the SVG lists places least important first (so the important ones are drawn on top): place them the other way
  labels.sort(function (a, b) { return a.p - b.p || b.i - a.i; });

  function project(lon, lat) {
    return [(lon * proj[0] - proj[1]) * proj[3] + proj[4], (proj[2] - lat) * proj[3] + proj[4]];
  }
  function fit(b) {  // same aspect as the drawing, no smaller than MIN_WIDTH, no larger than the whole region
    var aspect = full[2] / full[3], w = b[2], h = b[3], cx = b[0] + w / 2, cy = b[1] + h / 2;
    if (w / h < aspect) w = h * aspect; else h = w / aspect;
    w = Math.min(Math.max(w, MIN_WIDTH), full[2]); h = w / aspect;
    cx = Math.min(Math.max(cx, full[0] + w / 2), full[0] + full[2] - w / 2);
    cy = Math.min(Math.max(cy, full[1] + h / 2), full[1] + full[3] - h / 2);
    return [cx - w / 2, cy - h / 2, w, h];
  }
  var pending = false;
  function set(b) {
    vb = fit(b);
    svg.setAttribute("viewBox", vb.map(function (v) { return v.toFixed(2); }).join(" "));
    if (!pending) { pending = true; requestAnimationFrame(function () { pending = false; update(); }); }
  }
  function hits(b, boxes) {
    for (var i = 0; i < boxes.length; i++) {
      var o = boxes[i];
      if (b[0] < o[2] && b[2] > o[0] && b[1] < o[3] && b[3] > o[1]) return true;
    }
    return false;
  }
  function rectBox(el) {
    if (!el || !el.offsetParent) return null;
    var r = el.getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom];
  }
  // where a label goes around its dot: [text x, text y, anchor, box left, top, right, bottom] relative to the dot
  function candidates(l) {
    if (!l.r) return [[0, 0, "middle", -l.w / 2, -l.h / 2, l.w / 2, l.h / 2]];
    var g = l.r + 3, w = l.w, h = l.h;
    return [[g, 0, "start", g, -h / 2, g + w, h / 2], [-g, 0, "end", -g - w, -h / 2, -g, h / 2],
            [0, -g - h / 2, "middle", -w / 2, -g - h, w / 2, -g], [0, g + h / 2, "middle", -w / 2, g, w / 2, g + h],
            [g, -h / 2, "start", g, -h, g + w, 0], [g, h / 2, "start", g, 0, g + w, h]];
  }
  function update() {
    var ctm = svg.getScreenCTM(), rect = svg.getBoundingClientRect();
    if (!ctm || !rect.width) return;
    var u = 1 / ctm.a, obstacles = [], dots = [];
    [rectBox(document.getElementById("map-legend")), rectBox(document.getElementById("map-scale"))]
      .forEach(function (b) { if (b) obstacles.push(b); });
    labels.forEach(function (l) {
      l.sx = l.x * ctm.a + ctm.e; l.sy = l.y * ctm.d + ctm.f;
      l.inside = l.sx >= rect.left && l.sx <= rect.right && l.sy >= rect.top && l.sy <= rect.bottom &&
        vb[2] >= l.minw && vb[2] < l.maxw;
      l.g.setAttribute("transform", "translate(" + l.x + "," + l.y + ") scale(" + u + ")");
      l.g.style.display = l.inside ? "" : "none";
      if (l.r && l.inside) dots.push([l.sx - l.r - 1, l.sy - l.r - 1, l.sx + l.r + 1, l.sy + l.r + 1, l, l.p]);
    });
    var placed = [], named = {};
    labels.forEach(function (l) {
      var chosen = null, text = l.t.textContent, same = named[text] || [];
      var near = !l.r && same.some(function (q) { return Math.hypot(q[0] - l.sx, q[1] - l.sy) < SAME_NAME_PX; });
      if (l.inside && !near) {
        // a label keeps clear of the dots of places as important as its own; it may cover less important ones
        var others = dots.filter(function (d) { return d[4] !== l && d[5] <= l.p; });
        candidates(l).some(function (c) {
          var b = [l.sx + c[3] - 1, l.sy + c[4] - 1, l.sx + c[5] + 1, l.sy + c[6] + 1];
          if (b[0] < rect.left || b[2] > rect.right || b[1] < rect.top || b[3] > rect.bottom) return false;
          if (hits(b, placed) || hits(b, others) || hits(b, obstacles)) return false;
          chosen = c; placed.push(b); same.push([l.sx, l.sy]); named[text] = same; return true;
        });
      }
      if (chosen) {
        l.t.setAttribute("x", chosen[0]); l.t.setAttribute("y", chosen[1]);
        l.t.setAttribute("text-anchor", chosen[2]); l.t.style.display = "";
      } else {
        l.t.style.display = "none";
      }
      l.g.classList.toggle("unlabelled", !chosen);
    });
    scaleBar(kmPerUnit / ctm.a);
  }
  function scaleBar(kmPerPx) {
    var box = document.getElementById("map-scale");
    if (!box) return;
    var want = kmPerPx * 120, p = Math.pow(10, Math.floor(Math.log10(want))), km = p;
    [2, 5, 10].forEach(function (m) { if (m * p <= want) km = m * p; });
    box.querySelector(".bar").style.width = (km / kmPerPx).toFixed(1) + "px";
    box.querySelector("span").textContent = (km < 1 ? km.toFixed(1) : km.toLocaleString("en")) + " km";
    box.dataset.km = km; box.dataset.px = (km / kmPerPx).toFixed(2);
  }
  svg.addEventListener("wheel", function (e) {
    e.preventDefault();
    var r = svg.getBoundingClientRect(), k = e.deltaY < 0 ? 0.8 : 1.25;
    var px = vb[0] + (e.clientX - r.left) / r.width * vb[2], py = vb[1] + (e.clientY - r.top) / r.height * vb[3];
    set([px - (px - vb[0]) * k, py - (py - vb[1]) * k, vb[2] * k, vb[3] * k]);
  }, {passive: false});
  var drag = null;
  svg.addEventListener("pointerdown", function (e) { drag = [e.clientX, e.clientY, vb.slice()]; svg.setPointerCapture(e.pointerId); });
  svg.addEventListener("pointermove", function (e) {
    if (!drag) return;
    var r = svg.getBoundingClientRect();
    set([drag[2][0] - (e.clientX - drag[0]) / r.width * vb[2], drag[2][1] - (e.clientY - drag[1]) / r.height * vb[3], vb[2], vb[3]]);
  });
  svg.addEventListener("pointerup", function () { drag = null; });
  window.addEventListener("resize", update);
  var legend = document.querySelector("#map-legend details");
  if (legend) legend.addEventListener("toggle", update);

  function zoomTo(lon0, lat0, lon1, lat1) {
    var a = project(lon0, lat1), b = project(lon1, lat0);
    set([a[0], a[1], b[0] - a[0], b[1] - a[1]]);
  }
  var focus = document.getElementById("focus"), zf = document.getElementById("zoom-focus");
  if (zf) zf.addEventListener("click", function () {
    if (focus) set(focus.dataset.viewbox.split(" ").map(Number));
  });
  var za = document.getElementById("zoom-all");
  if (za) za.addEventListener("click", function () { set(full.slice()); });

  function showRoutes(ids) {  // highlight these routes and list them in the legend's route key
    var key = document.getElementById("route-key"), rows = [];
    document.querySelectorAll("#routes .route").forEach(function (r) {
      var on = ids.indexOf(r.dataset.route) >= 0;
      r.classList.toggle("active", on);
      if (on) rows.push(r);
    });
    if (!key) return;
    key.innerHTML = "";
    rows.forEach(function (r) {
      var li = document.createElement("li"), before = r.dataset.group === "before";
      li.innerHTML = '<svg class="swatch" width="30" height="10" aria-hidden="true"><line x1="1" y1="5" x2="29" y2="5" stroke-width="' +
        (before ? 3 : 5) + '"' + (before ? ' stroke-dasharray="7 5"' : "") + '/></svg><span></span>';
      li.querySelector("line").setAttribute("stroke", r.dataset.colour);
      li.querySelector("span").textContent = r.dataset.label;
      key.appendChild(li);
    });
    update();
  }
  window.corridorMap = {zoomTo: zoomTo, reset: function () { set(full.slice()); }, showRoutes: showRoutes,
                        update: update, project: project};
  update();
})();
