// azgate console: the only script. Pages work without it; it adds live
// updates (polling the policy revision) and the "/" key for search.
(function () {
  'use strict';
  var body = document.body;
  var live = body.getAttribute('data-live');
  var rev = body.getAttribute('data-revision');

  document.addEventListener('keydown', function (e) {
    var t = document.activeElement && document.activeElement.tagName;
    if (e.key === '/' && !/^(INPUT|TEXTAREA|SELECT)$/.test(t || '')) {
      var f = document.querySelector('[data-hotkey="/"]');
      if (f) { e.preventDefault(); f.focus(); }
    }
  });

  if (!live) { return; }
  var box = document.getElementById('live');
  function changed(now) {
    if (live === 'reload') { window.location.reload(); return; }
    box.textContent = '';
    box.appendChild(document.createTextNode(
      'The policy changed elsewhere: revision ' + now + ' is in force; this page was read at revision ' + rev + '. '));
    var a = document.createElement('a');
    a.href = window.location.pathname === '/ui/object' && !window.location.search ? document.referrer || '/ui/policy' : window.location.href;
    a.id = 'live-reload';
    a.textContent = 'Reload';
    box.appendChild(a);
    box.hidden = false;
  }
  function poll() {
    fetch('/ui/revision', { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) {
        if (j && String(j.revision) !== rev) { changed(j.revision); if (live === 'reload') { return; } rev = String(j.revision); }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
})();
