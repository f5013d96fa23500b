// A trekker's journey written against the types generated from the OpenAPI document (var/contract/api.d.ts).
// It is type-checked with `tsc --strict`, never run: a renamed operation, field or enum value in the API breaks
// this check before it breaks an app.
import type { components, operations } from "../var/contract/api";

type Schemas = components["schemas"];
type Json<Op, Status extends number> = Op extends { responses: { [S in Status]: { content: { "application/json": infer B } } } }
  ? B
  : never;
type Body<Op> = Op extends { requestBody: { content: { "application/json": infer B } } } ? B : never;

async function call<R>(method: string, path: string, token: string | null, body?: unknown): Promise<R> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (token !== null) headers["Authorization"] = `Bearer ${token}`;
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(path, init);
  if (!response.ok) {
    const envelope = (await response.json()) as Schemas["ErrorEnvelope"];
    throw new Error(`${envelope.error.code}: ${envelope.error.message}`);
  }
  return (await response.json()) as R;
}

export async function journey(email: string, password: string): Promise<string> {
  const login: Body<operations["authLogin"]> = { email, password };
  const session = await call<Json<operations["authLogin"], 200>>("POST", "/api/v1/auth/login/", null, login);
  const token: string = session.access;

  const page = await call<Json<operations["trekList"], 200>>("GET", "/api/v1/treks/", null);
  const card: Schemas["TrekCard"] | undefined = page.results[0];
  if (card === undefined) return "no trek";
  const trek = await call<Json<operations["trekGet"], 200>>("GET", `/api/v1/treks/${card.slug}/`, null);

  const departures = await call<Json<operations["trekBatchList"], 200>>("GET", `/api/v1/treks/${trek.slug}/batches/`, null);
  const batch = departures.results[0];
  if (batch === undefined) return "no departure";

  const order: Body<operations["bookingCreate"]> = {
    batch: batch.id,
    participants: [{ name: "Asha Rao", age: 29, phone: "+919800000001" }],
    coupon_code: "",
    source: "app",
  };
  const booking = await call<Json<operations["bookingCreate"], 201>>("POST", "/api/v1/bookings/", token, order);
  const status: Schemas["BookingStatusEnum"] = booking.status;

  const quote = await call<Json<operations["bookingCancelQuote"], 200>>(
    "GET",
    `/api/v1/bookings/${booking.id}/cancel/`,
    token,
  );
  const sos: Schemas["SOSRequest"] = { latitude: 30.1, longitude: 79.6, kind: "sos" };
  const incident = await call<Json<operations["sosRaise"], 201>>("POST", "/api/v1/emergency/sos/", token, sos);
  const severity: Schemas["IncidentSeverityEnum"] = incident.severity;
  return `${status} ${quote.refund_amount} ${severity}`;
}
