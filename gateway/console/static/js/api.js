// The console's JSON API: POST with a JSON body to this page's own origin, nothing else.

export class ApiError extends Error {
  constructor(status, message, field, code) {
    super(message);
    this.status = status;
    this.field = field;
    this.code = code;
  }
}

const listeners = { down: [], signedOut: [] };

export function on(event, callback) {
  listeners[event].push(callback);
}

async function request(path, body) {
  let response;
  try {
    response = await fetch(path, {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body || {}),
    });
  } catch (error) {
    throw new ApiError(0, "the console itself cannot be reached (was it stopped?)", "", "CONSOLE_DOWN");
  }
  if (response.ok) return response;
  let problem = { error: response.statusText, field: "", code: "" };
  try { problem = await response.json(); } catch (error) { /* not JSON: keep the status text */ }
  if (response.status === 503) listeners.down.forEach((f) => f(problem.error));
  if (response.status === 401) listeners.signedOut.forEach((f) => f(problem.error));
  throw new ApiError(response.status, problem.error, problem.field, problem.code);
}

export async function post(path, body) {
  return (await request(path, body)).json();
}

// A file from the console (an export): its bytes, its name and what the headers say about it.
export async function download(path, body) {
  const response = await request(path, body);
  const disposition = response.headers.get("Content-Disposition") || "";
  const utf8 = /filename\*=UTF-8''([^;]+)/.exec(disposition);
  const plain = /filename="([^"]+)"/.exec(disposition);
  return {
    blob: await response.blob(),
    filename: utf8 ? decodeURIComponent(utf8[1]) : (plain ? plain[1] : "export"),
    tlp: response.headers.get("X-Regulink-Tlp") || "TLP:RED",
    nodes: Number(response.headers.get("X-Regulink-Nodes") || 0),
    edges: Number(response.headers.get("X-Regulink-Edges") || 0),
  };
}
