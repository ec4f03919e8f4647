// The console's one script. In Telegram's Mini App the page opens with Telegram's signed
// initData in the URL fragment (#tgWebAppData=...): post it to the server, which checks the
// signature, and forget it from the address bar. A signed-in visit to the gate goes home.
(function () {
  "use strict";
  var fragment = new URLSearchParams(window.location.hash.slice(1));
  var initData = fragment.get("tgWebAppData");
  var form = document.getElementById("telegram");
  if (initData && form) {
    history.replaceState(null, "", window.location.pathname);
    form.elements.init_data.value = initData;
    form.submit();
    return;
  }
  var home = document.getElementById("home");
  if (home && home.dataset.signedIn === "yes") {
    window.location.replace(home.getAttribute("href"));
  }
})();
