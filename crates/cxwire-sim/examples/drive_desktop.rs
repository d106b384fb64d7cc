//! Drive a simulated agent desktop: start the simulator, connect a typed session, answer the
//! inbound call the simulator rings, attach data, and mark it done.
//!
//! `cargo run -p cxwire-sim --example drive_desktop`

use std::collections::BTreeMap;

use cxwire_model::scapi::{Event, InteractionEventType};
use cxwire_sim::{SimConfig, Simulator};
use cxwire_ws::SubscriptionItem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = Simulator::start("127.0.0.1:0", SimConfig::default()).await?;
    let session = cxwire_ws::connect(&sim.ws_url()).await?;
    session.agent().set_state("Ready").await?;
    let mut events = session.subscribe(["interaction"]).await?;

    let id = sim.inject_inbound_call("+14155550123", "5001", BTreeMap::new()).await?;
    while let Some(SubscriptionItem::Event(frame)) = events.recv().await {
        let Event::Interaction(e) = &frame.event else { continue };
        println!("{:?}", e.event_type);
        match e.event_type {
            Some(InteractionEventType::Ringing) => session.voice().answer(id.clone()).await?,
            Some(InteractionEventType::Established) => {
                session.interaction().set_user_data(id.clone(), [("Handled".to_owned(), "yes".into())].into()).await?;
                session.voice().hang_up(id.clone()).await?;
            }
            Some(InteractionEventType::Released) => session.interaction().markdone(id.clone()).await?,
            Some(InteractionEventType::Removed) => break,
            _ => {}
        }
    }
    println!("call {id} handled");
    Ok(())
}
