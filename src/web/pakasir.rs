//! `POST /pakasir/webhook`: Pakasir's word that a payment completed. It carries no
//! signature, so it only prompts the shop to ask the gateway itself
//! ([`shop::payment_hinted`]); nothing in its body is believed until then. A forged or
//! mistaken hint changes nothing and is answered as if its invoice did not exist, or with
//! why it was refused; a hint the gateway cannot confirm right now is answered 503, so
//! that it is sent again, and the invoice is checked again meanwhile.

use axum::{body::Bytes, extract::State, http::StatusCode, Json};
use serde_json::{json, Value};

use crate::{
    shop::{self, HintRefused, PaymentHint},
    state::AppState,
};

pub const PATH: &str = "/pakasir/webhook";

pub async fn receive(State(state): State<AppState>, body: Bytes) -> (StatusCode, Json<Value>) {
    let answer = |status: StatusCode, said: &str| {
        (
            status,
            Json(json!({ "ok": status.is_success(), "said": said })),
        )
    };
    let Some(shop) = &state.shop else {
        return answer(StatusCode::NOT_FOUND, "no shop here");
    };
    let Ok(hint) = serde_json::from_slice::<PaymentHint>(&body) else {
        return answer(StatusCode::BAD_REQUEST, "expected Pakasir's webhook body");
    };
    if hint.status != "completed" {
        return answer(StatusCode::OK, "nothing to do for this status");
    }
    match shop::payment_hinted(&state.db, shop, &hint).await {
        Ok(settled) => {
            state.new_messages.notify_one();
            tracing::info!(order_id = %hint.order_id, ?settled, "payment webhook confirmed");
            answer(StatusCode::OK, "confirmed")
        }
        Err(refused) => {
            let status = match &refused {
                HintRefused::Unknown => StatusCode::NOT_FOUND,
                HintRefused::WrongAmount | HintRefused::Unconfirmed => StatusCode::BAD_REQUEST,
                HintRefused::GatewayUnavailable | HintRefused::Db(_) => {
                    StatusCode::SERVICE_UNAVAILABLE
                }
            };
            tracing::warn!(order_id = %hint.order_id.chars().take(64).collect::<String>(), error = %refused, "payment webhook refused");
            answer(status, &refused.to_string())
        }
    }
}
