// Orbit+ Press: the page is built here from the press release's data.
(function () {
  function element(tag, text, attributes) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    return node;
  }
  // Measurement the crawler's browser must never reach (off the source's site).
  fetch("https://measure.tracker.example/collect?page=premiere").catch(function () {});
  fetch("/render/api/star-city-premiere.json")
    .then(function (response) { return response.json(); })
    .then(function (release) {
      document.title = release.headline + " | Orbit+ Press";
      var ld = element("script", JSON.stringify({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": release.headline,
        "datePublished": release.published,
        "author": {"@type": "Person", "name": release.author}
      }), {type: "application/ld+json"});
      document.head.appendChild(ld);
      var article = element("article");
      article.appendChild(element("h1", release.headline));
      article.appendChild(element("p", "By " + release.author, {"class": "byline"}));
      article.appendChild(element("img", "", {src: "/render/still.jpg", alt: "A still"}));
      release.paragraphs.forEach(function (text) { article.appendChild(element("p", text)); });
      document.getElementById("app").appendChild(article);
    });
})();
