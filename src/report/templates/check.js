// Once the page has loaded: counts the charts that rendered, records any
// script error, and measures what a reader would see overflow: the page
// scrolling sideways, or an element wider than the card (section,
// figure, table or list) it sits in, unless that card scrolls sideways
// itself (a wide table on a narrow screen). A headless browser reads the
// results back from the body's data attributes.
window.addEventListener('error', function () {
  document.body.dataset.errors = String(Number(document.body.dataset.errors || 0) + 1);
});
window.addEventListener('load', function () {
  var ok = 0;
  document.querySelectorAll('figure svg').forEach(function (s) {
    var b = s.getBoundingClientRect();
    if (b.width > 100 && b.height > 50 && s.querySelectorAll('path, polyline, polygon, rect, circle, text').length > 10) { ok++; }
  });
  document.body.dataset.renderedPlots = String(ok);
  var over = [];
  var doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth + 1) { over.push('page ' + doc.scrollWidth + ' > ' + doc.clientWidth); }
  var main = document.querySelector('main').getBoundingClientRect();
  document.querySelectorAll('main *').forEach(function (e) {
    var b = e.getBoundingClientRect();
    if (b.width === 0) { return; }
    var scroller = e.parentElement.closest('.card');
    if (scroller && getComputedStyle(scroller).overflowX !== 'visible') { return; }
    var card = e.parentElement.closest('section, figure, table, ul, header, footer, .headline') ;
    var box = card ? card.getBoundingClientRect() : main;
    if (b.right > box.right + 1 || b.left < box.left - 1 || (e instanceof HTMLElement && e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible')) {
      over.push((e.id || e.tagName.toLowerCase()) + ' "' + (e.textContent || '').trim().slice(0, 40) + '" at ' +
        Math.round(b.left) + '..' + Math.round(b.right) + ' in ' + Math.round(box.left) + '..' + Math.round(box.right));
    }
  });
  document.body.dataset.overflow = over.slice(0, 10).join(' | ');
});
