//! The list and show endpoints of every resource family, once: `GET /v3/RESOURCES` and
//! `GET /v3/RESOURCES/:guid` are [`list`] and [`show`] over a [`Resource`], which says only
//! what is its own (where it lives in the world, its filters, its presenter, its `include`s).
//! Query checking, `order_by`, pagination, `included` and the 404 envelope are here.

use super::error::ApiError;
use super::{Ctx, Record};
use crate::sim::query::{Query, Spec};
use crate::sim::world::World;
use axum::Json;
use axum::extract::Path;
use serde_json::{Value, json};

/// Where a resource is presented: a list hides what the Cloud Controller hides in lists (a
/// process's command).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum View {
    List,
    Show,
}

/// A resource family of the v3 API.
pub(crate) trait Resource: Record + Sync + Sized + 'static {
    /// The collection's path, e.g. `/v3/apps`.
    const PATH: &'static str;
    /// Its name in a 404 (`App not found`).
    const NAME: &'static str;
    /// What its list accepts. Its show accepts the same `include`, `embed` and `fields`, and
    /// nothing else (see [`Spec::for_show`]).
    const LIST: Spec;

    /// Every one, in creation order.
    fn all(w: &World) -> &[Self];

    /// The one with this GUID.
    fn find<'w>(w: &'w World, guid: &str) -> Option<&'w Self> {
        Self::all(w).iter().find(|r| r.guid() == guid)
    }

    /// Rejects filter values it does not take (before any matching).
    fn check(_q: &Query) -> Result<(), ApiError> {
        Ok(())
    }

    /// True when it passes the query's filters.
    fn matches(&self, w: &World, q: &Query) -> bool;

    /// Its JSON.
    fn present(&self, ctx: &Ctx, q: &Query, view: View) -> Value;

    /// `included`, for the resources of a page (or the one shown), when the query asks.
    fn included(_ctx: &Ctx, _q: &Query, _page: &[&Self]) -> Option<Value> {
        None
    }
}

/// `GET R::PATH`: filters, sorts, pages, presents, and adds `included` when asked.
pub(crate) async fn list<R: Resource>(ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let q = ctx.query(&R::LIST)?;
    R::check(&q)?;
    let w = &ctx.world;
    let mut items: Vec<&R> = R::all(w)
        .iter()
        .filter(|r| q.allows_time(r.created()) && r.matches(w, &q))
        .collect();
    q.sort(&mut items, |r| r.order_name(), |r| r.created());
    let total = items.len();
    let page = q.page_of(items);
    // `Value::Array`, not `json!`: the macro would serialise the presented page once more.
    let resources: Vec<Value> = page
        .iter()
        .map(|r| r.present(&ctx, &q, View::List))
        .collect();
    let mut body = json!({ "pagination": ctx.pagination(&q, total, R::PATH) });
    body["resources"] = Value::Array(resources);
    if let Some(inc) = R::included(&ctx, &q, &page) {
        body["included"] = inc;
    }
    Ok(Json(body))
}

/// `GET R::PATH/:guid`: the one resource, with `included` when asked; 404 when absent.
pub(crate) async fn show<R: Resource>(
    ctx: Ctx,
    Path(g): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let q = ctx.query(&R::LIST.for_show())?;
    let r = R::find(&ctx.world, &g).ok_or_else(|| ApiError::not_found(R::NAME))?;
    let mut body = r.present(&ctx, &q, View::Show);
    if let Some(inc) = R::included(&ctx, &q, &[r]) {
        body["included"] = inc;
    }
    Ok(Json(body))
}

/// The resource a sub-resource endpoint (`/v3/apps/:guid/env`, ...) is about: it takes no
/// query parameters, and is a 404 when absent.
pub(crate) fn parent<'c, R: Resource>(ctx: &'c Ctx, g: &str) -> Result<&'c R, ApiError> {
    ctx.query(&Spec::default())?;
    R::find(&ctx.world, g).ok_or_else(|| ApiError::not_found(R::NAME))
}
