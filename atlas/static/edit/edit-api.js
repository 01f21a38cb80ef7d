/* The editor's client of the write API: JSON in and out, the CSRF token, If-Match, and errors as values. */
(function (global) {
  "use strict";

  // status 0 means the server could not be reached; body is the JSON error document when there is one.
  function ApiError(status, body) {
    this.status = status;
    this.body = body;
    this.error = (body && body.error) || {};
  }

  function EditApi(layerUrl, lang, csrfToken) {
    this.layerUrl = layerUrl;
    this.lang = lang;
    this.csrfToken = csrfToken;
  }

  EditApi.prototype.url = function (path, query) {
    var params = new URLSearchParams(query || {});
    params.set("lang", this.lang);  // problems come back in the page's language
    return this.layerUrl + path + "?" + params.toString();
  };

  EditApi.prototype.request = function (method, path, options) {
    options = options || {};
    var headers = { "Accept": "application/json", "X-CSRFToken": this.csrfToken };
    if (options.body !== undefined) { headers["Content-Type"] = "application/json"; }
    if (options.version !== undefined && options.version !== null) {
      headers["If-Match"] = "\"" + options.version + "\"";
    }
    var init = {
      method: method, headers: headers, credentials: "same-origin", cache: "no-store",
      body: options.body === undefined ? undefined : JSON.stringify(options.body)
    };
    return fetch(this.url(path, options.query), init).then(function (response) {
      if (response.status === 204) { return { status: 204, body: null }; }
      return response.json().catch(function () { return null; }).then(function (body) {
        if (!response.ok) { throw new ApiError(response.status, body); }
        return { status: response.status, body: body };
      });
    }, function () {
      throw new ApiError(0, null);
    });
  };

  function body(result) { return result.body; }

  EditApi.prototype.feature = function (fid) {
    return this.request("GET", "/features/" + fid).then(body);
  };

  // query: e.g. { repair: "true" } to let PostGIS mend an invalid geometry (ST_MakeValid).
  EditApi.prototype.create = function (feature, query) {
    return this.request("POST", "/features", { body: feature, query: query }).then(body);
  };

  EditApi.prototype.replace = function (fid, feature, version, query) {
    return this.request("PUT", "/features/" + fid, { body: feature, version: version, query: query }).then(body);
  };

  EditApi.prototype.remove = function (fid, version) {
    return this.request("DELETE", "/features/" + fid, { version: version }).then(body);
  };

  EditApi.prototype.revert = function (fid, toVersion, version) {
    return this.request("POST", "/features/" + fid + "/revert", { body: { version: toVersion }, version: version })
      .then(body);
  };

  EditApi.prototype.history = function (fid) {
    return this.request("GET", "/features/" + fid + "/history").then(body);
  };

  EditApi.prototype.nearby = function (bounds, limit) {
    var bbox = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()]
      .map(function (v) { return v.toFixed(6); }).join(",");
    return this.request("GET", "/features", { query: { bbox: bbox, limit: String(limit) } }).then(body);
  };

  global.AtlasEditApi = { Client: EditApi, ApiError: ApiError };
})(window);
