// Browses the atlas's own OpenAPI document with the Swagger UI the atlas serves (no other host is named).
(function () {
  var holder = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({ url: holder.getAttribute("data-openapi"), domNode: holder, deepLinking: false });
})();
