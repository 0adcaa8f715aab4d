// Draws every Vega-Lite spec on the page with the locally served bundle (no CDN).
// The page's Content-Security-Policy forbids eval and inline styles, so Vega evaluates
// expressions with its interpreter (ast: true) and vega-embed adds no <style> element; the few
// rules it would add live in jamlik.css.
(function () {
  var SWEDISH = { decimal: ",", thousands: "\u00a0", grouping: [3], currency: ["", "\u00a0kr"] };
  function draw() {
    if (typeof vegaEmbed === "undefined") { return; }
    var options = { actions: false, renderer: "svg", ast: true, defaultStyle: false,
                    tooltip: { disableDefaultStyle: true } };
    if (document.documentElement.lang === "sv") { options.formatLocale = SWEDISH; }
    document.querySelectorAll("[data-vl]").forEach(function (el) {
      var spec = JSON.parse(document.getElementById(el.dataset.vl).textContent);
      if (spec.width === "container" && el.clientWidth < 50) { spec.width = 400; }
      vegaEmbed(el, spec, options).then(function (result) {
        el.dataset.rendered = "true";
        result.view.addEventListener("click", function (event, item) {
          var props = item && item.datum && item.datum.properties;
          if (props && props.url) { window.location.href = props.url; }
        });
      }).catch(function (error) {
        el.dataset.rendered = "error";
        el.textContent = String(error);
      });
    });
  }
  function suggest() {
    var input = document.getElementById("q");
    var list = document.getElementById("area-suggestions");
    if (!input || !list) { return; }
    var timer;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (input.value.length < 2) { return; }
        fetch("/api/areas?limit=12&q=" + encodeURIComponent(input.value))
          .then(function (r) { return r.json(); })
          .then(function (areas) {
            list.innerHTML = "";
            areas.forEach(function (a) {
              var o = document.createElement("option");
              o.value = a.code; o.label = a.name + " (" + a.level + ")";
              list.appendChild(o);
            });
          });
      }, 150);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(); suggest(); });
})();
