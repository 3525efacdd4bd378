// chainrule's interactive backprop graph: the front end shared by the notebook widget and the
// standalone HTML export. Plain script (no imports): it defines `chainruleGraphApp`, whose
// mount(el, data, viz) draws `data` (from chainrule.viz.graph_json.graph_data) with `viz`
// (a @viz-js/viz instance) inside `el`. Every number shown comes from `data`, as Python wrote it.
// The panels (inspector, backward steps, search) are in graph_panels.js.
var chainruleGraphApp = (function () {
  "use strict";
  var HOT = "#d62728";

  function h(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") e.textContent = attrs[k];
      else if (k.slice(0, 2) === "on") e.addEventListener(k.slice(2), attrs[k]);
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }

  function esc(text) { // text safe inside a Graphviz HTML-like label
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;");
  }
  function quote(text) { return '"' + String(text).replace(/\\/g, "\\\\").replace(/"/g, '\\"') + '"'; }

  // One box per value: [operation] / name / data / grad, stacked (an HTML-like label).
  function box(top, name, data, grad) {
    var rows = top ? '<TR><TD BGCOLOR="#ececec"><FONT POINT-SIZE="10">' + esc(top) + "</FONT></TD></TR>" : "";
    return '<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="2">' + rows +
      '<TR><TD BGCOLOR="white"><B>' + esc(name) + '</B></TD></TR><TR><TD BGCOLOR="white">data ' +
      esc(data) + '</TD></TR><TR><TD BGCOLOR="white">grad ' + esc(grad) + "</TD></TR></TABLE>>";
  }

  function index(data) {
    var g = { data: data, node: {}, edge: {}, group: {}, groupOf: {} };
    data.nodes.forEach(function (n) { g.node[n.id] = n; });
    data.edges.forEach(function (e) { g.edge[e.id] = e; });
    data.groups.forEach(function (gr) {
      g.group[gr.id] = gr;
      gr.members.forEach(function (m) { g.groupOf[m] = gr.id; });
    });
    // the widest grad text each node shows while stepping, so the layout never has to change
    g.widest = {};
    data.nodes.forEach(function (n) { g.widest[n.id] = n.grad_text.length > 1 ? n.grad_text : "0"; });
    data.steps.forEach(function (s) {
      if (s.after_text.length > g.widest[s.parent].length) g.widest[s.parent] = s.after_text;
    });
    return g;
  }

  // The DOT text for the current view: collapsed neurons become one box each.
  function buildDot(g, collapsed) {
    var d = g.data, out = [];
    var shown = function (id) { var gr = g.groupOf[id]; return gr && collapsed[gr] ? gr : id; };
    out.push("digraph chainrule {");
    var tb = d.rankdir === "TB"; // top to bottom: room beside each edge for its label
    out.push("graph [rankdir=" + (tb ? "TB" : "LR") + ', fontname="Helvetica", bgcolor="transparent", ' +
      (tb ? "nodesep=0.9, ranksep=0.35];" : "nodesep=0.15, ranksep=0.3];"));
    out.push('node [fontname="Helvetica", fontsize=11, shape=plain]; edge [fontname="Helvetica", fontsize=9, arrowsize=0.7];');
    d.groups.forEach(function (gr) {
      if (collapsed[gr.id]) {
        var o = g.node[gr.output];
        out.push(gr.id + ' [id="' + gr.id + '", label=' + box(gr.activation + "(w·x + b)", gr.name,
          o.data_text, g.widest[o.id]) + "];");
      } else {
        out.push("subgraph cluster_" + gr.id + ' { id="c' + gr.id + '"; label=' +
          quote(gr.name + " (click the frame to collapse)") +
          '; style="dashed,rounded,filled"; fillcolor="#fbfbfb"; color="#b0b0b0"; fontsize=9; fontcolor="#777777";');
        gr.members.forEach(function (m) { out.push(m + ";"); });
        out.push("}");
      }
    });
    var drawn = {};
    d.nodes.forEach(function (n) {
      var vis = shown(n.id);
      if (vis === n.id) {
        out.push(n.id + ' [id="' + n.id + '", label=' + box(n.op_text, n.name, n.data_text,
          g.widest[n.id]) + "];");
      }
      n.inputs.forEach(function (eid) {
        var e = g.edge[eid], from = shown(e.from);
        if (vis === n.id) {
          out.push(from + " -> " + n.id + ' [id="' + eid + '", label=' +
            quote(from === e.from ? e.symbol + " = " + e.local_text : "") + "];");
        } else if (from !== vis && !drawn[from + ">" + vis]) { // into a collapsed neuron
          drawn[from + ">" + vis] = true;
          out.push(from + " -> " + vis + ' [id="' + eid + '"];');
        }
      });
    });
    out.push("}");
    return out.join("\n");
  }

  // Zoom (buttons, ctrl/cmd + wheel) and pan (drag) by moving the SVG's viewBox.
  function zoomPan(svg, box) {
    var full = svg.viewBox.baseVal, home = [full.x, full.y, full.width, full.height];
    var view = home.slice(), drag = null;
    function apply() { svg.setAttribute("viewBox", view.join(" ")); }
    function point(ev) {
      var p = svg.createSVGPoint(); p.x = ev.clientX; p.y = ev.clientY;
      return p.matrixTransform(svg.getScreenCTM().inverse());
    }
    function zoom(f, at) {
      at = at || { x: view[0] + view[2] / 2, y: view[1] + view[3] / 2 };
      var w = Math.min(Math.max(view[2] * f, home[2] / 20), home[2] * 4);
      f = w / view[2];
      view = [at.x - (at.x - view[0]) * f, at.y - (at.y - view[1]) * f, view[2] * f, view[3] * f];
      apply();
    }
    box.addEventListener("wheel", function (ev) {
      if (!ev.ctrlKey && !ev.metaKey) return; // plain wheel scrolls the notebook
      ev.preventDefault();
      zoom(ev.deltaY > 0 ? 1.15 : 1 / 1.15, point(ev));
    }, { passive: false });
    box.addEventListener("pointerdown", function (ev) {
      drag = { x: ev.clientX, y: ev.clientY, view: view.slice(), moved: false };
    });
    box.addEventListener("pointermove", function (ev) {
      if (!drag) return;
      var dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
      if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
      drag.moved = true; box.classList.add("cr-panning");
      var ctm = svg.getScreenCTM();
      view = [drag.view[0] - dx / ctm.a, drag.view[1] - dy / ctm.d, view[2], view[3]];
      apply();
    });
    function end() { if (drag) box.classList.remove("cr-panning"); setTimeout(function () { drag = null; }, 0); }
    box.addEventListener("pointerup", end);
    box.addEventListener("pointerleave", end);
    return {
      zoom: zoom,
      fit: function () { view = home.slice(); apply(); },
      centre: function (el) {
        var b = el.getBBox();
        view = [b.x + b.width / 2 - view[2] / 2, b.y + b.height / 2 - view[3] / 2, view[2], view[3]];
        apply();
      },
      dragged: function () { return drag && drag.moved; },
    };
  }

  function mount(el, data, viz) {
    if (!data || data.format !== "chainrule-graph") throw new Error("chainrule: not graph data");
    var g = index(data);
    var state = { selected: null, step: -1, collapsed: {}, matches: [], playing: null };
    var auto = data.nodes.length > 60;
    data.groups.forEach(function (gr) { state.collapsed[gr.id] = auto; });
    var app = { g: g, state: state, h: h };

    var root = h("div", { class: "cr-app" });
    var notes = h("div", { class: "cr-notes" });
    data.notes.forEach(function (t) { notes.appendChild(h("div", { class: "cr-note", text: "⚠ " + t })); });
    var box = h("div", { class: "cr-graph", tabindex: "0" });
    var toolbar = h("div", { class: "cr-toolbar" });
    root.appendChild(toolbar); root.appendChild(notes); root.appendChild(box);
    el.innerHTML = ""; el.appendChild(root);
    app.root = root; app.box = box; app.toolbar = toolbar;

    app.draw = function () {
      box.innerHTML = "";
      var svg = viz.renderSVGElement(buildDot(g, state.collapsed));
      svg.removeAttribute("width"); svg.removeAttribute("height");
      svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
      var t = svg.querySelector("title"); if (t) t.textContent = data.title;
      svg.querySelectorAll("g.node > title, g.edge > title, g.cluster > title").forEach(function (tt) {
        var id = tt.parentNode.id, n = g.node[id], e = g.edge[id], gr = g.group[id.slice(1)];
        tt.textContent = n ? n.name : e ? e.symbol + " = " + e.local_text : g.group[id] ?
          g.group[id].name + ": click to expand" : gr ? gr.name + ": click to collapse" : "";
      });
      box.appendChild(svg);
      svg.querySelectorAll("text").forEach(function (t) { // grads change while stepping: centre them
        if (t.textContent.slice(0, 5) !== "grad " || t.getAttribute("text-anchor") === "middle") return;
        var b = t.getBBox();
        t.setAttribute("x", b.x + b.width / 2); t.setAttribute("text-anchor", "middle");
      });
      var vb = svg.viewBox.baseVal;
      svg.style.height = Math.min(560, Math.max(160, (box.clientWidth || 880) * vb.height / vb.width)) + "px";
      app.svg = svg; app.zoom = zoomPan(svg, box);
      app.refresh();
    };

    box.addEventListener("click", function (ev) {
      if (app.zoom && app.zoom.dragged()) return;
      var t = ev.target.closest ? ev.target.closest("g.node, g.edge, g.cluster") : null;
      if (!t) return;
      var id = t.id;
      if (t.classList.contains("cluster")) { app.setCollapsed(id.slice(1), true); return; }
      if (g.group[id]) { app.setCollapsed(id, false, g.group[id].output); return; }
      if (t.classList.contains("edge")) id = g.edge[id] ? g.edge[id].to : id;
      if (g.node[id]) app.select(id);
    });

    app.setCollapsed = function (gid, value, thenSelect) {
      state.collapsed[gid] = value;
      app.draw();
      if (thenSelect) app.select(thenSelect);
    };
    app.visible = function (id) { var gr = g.groupOf[id]; return gr && state.collapsed[gr] ? gr : id; };
    app.el = function (id) { return app.svg ? app.svg.querySelector('[id="' + id + '"]') : null; };

    chainrulePanels.attach(app);
    app.draw();
    return {
      destroy: function () { if (state.playing) clearInterval(state.playing); el.innerHTML = ""; },
      app: app,
    };
  }

  return { mount: mount, buildDot: buildDot, HOT: HOT };
})();
