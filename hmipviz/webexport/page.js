/* hmipviz web page of a run: plays the embedded trace back. No network, no library:
   the data is the JSON in #run-data (hmipviz/webexport/page.py writes it). */
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("run-data").textContent);
  const E = D.events;  // [t, type, node, kind, text, rfc, direction, hop, attach]
  const P = D.packets;  // {to, arrive, hex, link, id, depth, tree}
  const NS = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);
  const svg = $("topology");
  const pos = {};
  const radius = {};
  let cur = 0;
  let timer = null;

  function el(name, attrs, parent, text) {
    const node = document.createElementNS(NS, name);
    for (const k in attrs) node.setAttribute(k, attrs[k]);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }
  function kindColour(kind) { return (D.kinds[kind] || ["#7F7F7F", "?"])[0]; }
  function kindGlyph(kind) { return (D.kinds[kind] || ["#7F7F7F", "?"])[1]; }

  // --- the topology: the window's layout, drawn once -------------------------------------
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const n of D.nodes) {
    pos[n.name] = [n.x, n.y];
    radius[n.name] = n.radius || 0;
    const r = Math.max(n.radius || 0, D.nodeR) + 24;
    x0 = Math.min(x0, n.x - r); x1 = Math.max(x1, n.x + r);
    y0 = Math.min(y0, n.y - r); y1 = Math.max(y1, n.y + r);
  }
  if (!isFinite(x0)) { x0 = 0; y0 = 0; x1 = 100; y1 = 100; }
  svg.setAttribute("viewBox", [x0, y0, x1 - x0, y1 - y0].join(" "));
  svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
  // text keeps its size on screen, as on the window's canvas, however the scene is scaled
  function fitText() {
    const k = Math.min(svg.clientWidth / (x1 - x0), svg.clientHeight / (y1 - y0)) || 1;
    svg.style.fontSize = `${Math.max(12 / k, 6)}px`;
  }
  window.addEventListener("resize", fitText);
  fitText();
  const gCells = el("g", {}, svg), gLinks = el("g", {}, svg), gHops = el("g", {}, svg);
  const gNodes = el("g", {}, svg), gMns = el("g", {}, svg), gTokens = el("g", {}, svg);
  for (const n of D.nodes) {
    if (n.radius) {
      el("circle", {cx: n.x, cy: n.y, r: n.radius, class: "cell", fill: n.cell,
                    "fill-opacity": 0.22, stroke: n.cell}, gCells);
    }
  }
  for (const [a, b] of D.links) {
    if (pos[a] && pos[b]) {
      el("line", {x1: pos[a][0], y1: pos[a][1], x2: pos[b][0], y2: pos[b][1], class: "link"},
         gLinks);
    }
  }
  for (const [x, y, text, kind] of D.labels) {
    const attrs = {x: x, y: y, "dominant-baseline": "hanging",
                   class: kind === "link" ? "link-label" : "domain-label"};
    if (kind !== "link") {
      attrs.x = x + text.length * 3.5; attrs["text-anchor"] = "middle"; attrs.fill = kind;
    }
    el("text", attrs, gLinks, text);
  }
  // a node: the window's icon (or its role letter on a disc), its name underneath
  function icon(g, role, r, fill, letter) {
    if (D.icons[role]) {
      el("image", {href: D.icons[role], x: -r, y: -r, width: 2 * r, height: 2 * r}, g);
    } else {
      el("circle", {r: r, fill: fill, stroke: "#00000055"}, g);
      el("text", {class: "letter", "text-anchor": "middle", dy: "0.35em"}, g, letter);
    }
  }
  const nodeIcons = {};
  for (const n of D.nodes) {
    const g = el("g", {transform: `translate(${n.x},${n.y})`}, gNodes);
    el("title", {}, g, `${n.name} (${n.role})`);
    icon(g, n.role, D.nodeR, n.fill, n.letter);
    el("text", {"text-anchor": "middle", y: D.nodeR, dy: "1em", class: "name"}, g, n.name);
    const cross = el("g", {class: "down-cross"}, g);
    const d = D.nodeR * 0.8;
    el("line", {x1: -d, y1: -d, x2: d, y2: d}, cross);
    el("line", {x1: -d, y1: d, x2: d, y2: -d}, cross);
    nodeIcons[n.name] = g;
  }
  const statusAt = [];  // [event index, node, up]: failures and restores
  E.forEach((e, i) => { if (e[1] === "NodeStatus") statusAt.push([i, e[2], e[8]]); });
  function showStatus(i) {
    const up = {};
    for (const [at, node, isUp] of statusAt) { if (at <= i) up[node] = isUp; }
    for (const name in nodeIcons) nodeIcons[name].classList.toggle("down", up[name] === false);
  }
  // MNs: where each is attached after each event (LinkChanged), drawn in its AR's cell
  const mnIcons = {};
  const attachAt = {};  // mn -> [[event index, ar or null], ...]
  D.mns.forEach((mn, k) => {
    const g = el("g", {}, gMns);
    el("title", {}, g, `${mn.name} (mobile node)`);
    icon(g, "mn", D.nodeR * 0.8, "#009E73", "MN");
    el("text", {"text-anchor": "middle", y: D.nodeR * 0.8, dy: "1em", class: "name"}, g,
       mn.name);
    const sub = el("text", {"text-anchor": "middle", y: D.nodeR * 0.8, dy: "2.1em",
                            class: "sub"}, g, "");
    mnIcons[mn.name] = {g: g, k: k, sub: sub};
    attachAt[mn.name] = [[-1, mn.attach]];
  });
  E.forEach((e, i) => {
    if (e[1] === "LinkChanged" && attachAt[e[2]]) attachAt[e[2]].push([i, e[8]]);
  });
  const lastSpot = {};
  function mnSpot(name, i) {
    const steps = attachAt[name];
    let ar = null;
    for (const [at, where] of steps) { if (at <= i) ar = where; else break; }
    if (ar && pos[ar]) {
      const r = radius[ar] || 80, k = mnIcons[name].k, n = D.mns.length;
      const a = Math.atan2(D.mnOffset[1], D.mnOffset[0]) + (n > 1 ? 2 * Math.PI * k / n : 0);
      const d = Math.hypot(D.mnOffset[0], D.mnOffset[1]) * r;
      lastSpot[name] = [pos[ar][0] + d * Math.cos(a), pos[ar][1] + d * Math.sin(a)];
      return [lastSpot[name], ar];
    }
    return [lastSpot[name] || [x0 + 40, y1 - 40], null];
  }
  function where(name, i) { return pos[name] || (mnIcons[name] ? mnSpot(name, i)[0] : null); }

  // --- the event list --------------------------------------------------------------------
  const tbody = document.querySelector("#events tbody");
  const rows = [];
  const frag = document.createDocumentFragment();
  E.forEach((e, i) => {
    const tr = document.createElement("tr");
    tr.dataset.i = i;
    // numbered from 1, as the counter and the window number events
    const cells = [i + 1, e[0].toFixed(4), e[2], e[6], e[3], e[4], e[5]];
    for (const text of cells) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.appendChild(td);
    }
    if (e[7] >= 0) tr.children[4].style.color = kindColour(e[3]);
    tr.title = e[4] + (e[5] ? ` (${e[5]})` : "");
    rows.push(tr);
    frag.appendChild(tr);
  });
  tbody.appendChild(frag);
  tbody.addEventListener("click", (ev) => {
    const tr = ev.target.closest("tr");
    if (tr) { pause(); show(Number(tr.dataset.i), true); }
  });

  // --- the packet: tree and hex dump -----------------------------------------------------
  function showPacket(hop) {
    const tree = $("tree").tBodies[0], hex = $("hex");
    tree.textContent = ""; hex.textContent = ""; $("packet-summary").textContent = "";
    $("packet-empty").hidden = hop >= 0;
    if (hop < 0) { $("packet-title").textContent = "Packet"; return; }
    const p = P[hop], sent = E[p.ev];
    const n = p.hex.length / 2;
    $("packet-title").textContent = `Packet #${p.id}, hop ${sent[6]} on link ${p.link}, ` +
      `t = ${sent[0].toFixed(6)} s, ${n} bytes, ${sent[3]}` +
      (p.depth ? `, tunnelled ${p.depth}\u00d7` : "");
    $("packet-summary").textContent = sent[4] + (sent[5] ? ` (${sent[5]})` : "");
    const bytes = [];
    // 16 bytes a row where they fit, as Wireshark shows them; else 8
    const W = $("packet-pane").clientWidth >= 600 ? 16 : 8, half = W / 2;
    for (let i = 0; i < n; i++) {
      if (i % W === 0) {
        if (i) hex.appendChild(document.createTextNode("\n"));
        const off = document.createElement("span");
        off.className = "off"; off.textContent = i.toString(16).padStart(4, "0") + "  ";
        hex.appendChild(off);
      }
      const b = document.createElement("span");
      b.className = "b"; b.textContent = p.hex.substr(2 * i, 2);
      hex.appendChild(b); bytes.push(b);
      hex.appendChild(document.createTextNode(i % W === half - 1 ? "  " : " "));
      if (i % W === W - 1 || i === n - 1) {
        const from = i - (i % W);
        let text = "";
        for (let j = from; j <= i; j++) {
          const c = parseInt(p.hex.substr(2 * j, 2), 16);
          text += c >= 32 && c < 127 ? String.fromCharCode(c) : ".";
        }
        const asc = document.createElement("span");
        asc.className = "asc";
        asc.textContent = " ".repeat(3 * (W - 1 - (i % W)) + (i % W < half ? 1 : 0)) + " " +
          text;
        hex.appendChild(asc);
      }
    }
    const rows = D.trees[p.tree];
    for (let r = 0; r < rows.length; r += 4) {
      const depth = rows[r], label = D.fields[rows[r + 1]], start = rows[r + 2];
      const end = rows[r + 3];
      const tr = document.createElement("tr");
      const field = document.createElement("td"), span = document.createElement("td");
      field.style.paddingLeft = `${0.3 + depth * 1.2}em`;
      field.textContent = label;
      if (depth === 0) field.className = "layer";
      span.textContent = end - start > 1 ? `${start}\u2013${end - 1}` : `${start}`;
      tr.append(field, span);
      tr.addEventListener("click", () => {
        for (const other of tree.children) other.classList.remove("on");
        tr.classList.add("on");
        bytes.forEach((b, k) => b.classList.toggle("on", k >= start && k < end));
      });
      tree.appendChild(tr);
    }
  }

  // --- one position of the run -----------------------------------------------------------
  function show(i, scroll) {
    cur = Math.max(0, Math.min(E.length - 1, i));
    const e = E[cur];
    if (!e) { $("counter").textContent = "no events"; return; }
    const now = e[0];
    $("counter").textContent = `event ${cur + 1} / ${E.length} \u00b7 t = ${now.toFixed(4)} s`;
    $("scrub").value = cur;
    const chip = $("caption-chip");
    chip.textContent = e[7] >= 0 ? kindGlyph(e[3]) : "";
    chip.style.background = kindColour(e[3]);
    chip.style.display = e[7] < 0 ? "none" : "";
    $("caption-kind").textContent = e[3].charAt(0).toUpperCase() + e[3].slice(1);
    $("caption-text").textContent = e[4];
    $("caption-rfc").textContent = e[5] ? ` (${e[5]})` : "";
    $("caption-t").textContent = `${e[2]} \u00b7 t = ${now.toFixed(4)} s`;
    const old = tbody.querySelector("tr.current");
    if (old) old.classList.remove("current");
    rows[cur].classList.add("current");
    if (scroll !== false) rows[cur].scrollIntoView({block: "nearest"});
    for (const name in mnIcons) {
      const [spot, ar] = mnSpot(name, cur);
      mnIcons[name].g.setAttribute("transform", `translate(${spot[0]},${spot[1]})`);
      mnIcons[name].g.classList.toggle("detached", !ar);
      mnIcons[name].sub.textContent = ar ? `on ${ar}` : "no link";
    }
    showStatus(cur);
    drawHops(now);
    showPacket(e[7]);
  }

  function drawHops(now) {
    gHops.textContent = ""; gTokens.textContent = "";
    // the current event's hop, drawn as an arrow along its link
    const e = E[cur];
    if (e[1] === "PacketSent") {
      const p = P[e[7]], a = where(e[2], cur), b = where(p.to, cur);
      if (a && b) {
        const colour = kindColour(e[3]);
        el("line", {x1: a[0], y1: a[1], x2: b[0], y2: b[1], class: "hop", stroke: colour,
                    "stroke-dasharray": p.depth ? "8 5" : ""}, gHops);
        token((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, e[3], 13);
      }
    }
    // other packets on the wire at this instant, where they are on their hop
    for (let j = cur - 1; j >= 0 && now - E[j][0] < 2; j--) {
      const f = E[j];
      if (f[1] !== "PacketSent") continue;
      const p = P[f[7]];
      if (p.arrive < now) continue;
      const a = where(f[2], cur), b = where(p.to, cur);
      if (!a || !b) continue;
      const s = p.arrive > f[0] ? (now - f[0]) / (p.arrive - f[0]) : 1;
      token(a[0] + s * (b[0] - a[0]), a[1] + s * (b[1] - a[1]), f[3], 9);
    }
  }
  function token(x, y, kind, r) {
    const g = el("g", {transform: `translate(${x},${y})`}, gTokens);
    el("circle", {r: r, fill: kindColour(kind), stroke: "#fff", "stroke-width": 1.5}, g);
    if (r > 10) el("text", {class: "token-glyph", "text-anchor": "middle", dy: "0.35em"}, g,
                   kindGlyph(kind));
  }

  // --- playback --------------------------------------------------------------------------
  function pause() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    $("play").textContent = "Play";
  }
  function play() {
    if (cur >= E.length - 1) show(0);
    $("play").textContent = "Pause";
    timer = setInterval(() => {
      if (cur >= E.length - 1) { pause(); return; }
      show(cur + 1);
    }, 1000 / Number($("speed").value));
  }
  $("play").addEventListener("click", () => (timer === null ? play() : pause()));
  $("step").addEventListener("click", () => { pause(); show(cur + 1); });
  $("back").addEventListener("click", () => { pause(); show(cur - 1); });
  $("speed").addEventListener("change", () => { if (timer !== null) { pause(); play(); } });
  $("scrub").max = Math.max(0, E.length - 1);
  $("scrub").addEventListener("input", () => { pause(); show(Number($("scrub").value)); });
  document.addEventListener("keydown", (ev) => {
    if (ev.target.tagName === "SELECT" || ev.target.tagName === "INPUT") return;
    if (ev.key === " ") { ev.preventDefault(); $("play").click(); }
    else if (ev.key === "ArrowRight") { ev.preventDefault(); $("step").click(); }
    else if (ev.key === "ArrowLeft") { ev.preventDefault(); $("back").click(); }
  });

  $("title").textContent = D.title;
  $("subtitle").textContent = `${D.mode}, seed ${D.seed}` +
    (D.description ? ` \u00b7 ${D.description.split("\n")[0]}` : "");
  $("version").textContent = D.version;
  show(0, false);
})();
