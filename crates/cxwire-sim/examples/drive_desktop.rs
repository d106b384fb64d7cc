//! Drive a simulated agent desktop: start the simulator, connect a typed session, answer the
//! inbound call the simulator rings, attach data, hang up and mark it done, through the domain
//! layer's interaction handle.
//!
//! `cargo run -p cxwire-sim --example drive_desktop`

use cxwire_model::scapi::InteractionEventType;
use cxwire_sim::{SimConfig, Simulator};
use cxwire_ws::InteractionUpdate;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = Simulator::start("127.0.0.1:0", SimConfig::default()).await?;
    let session = cxwire_ws::connect(&sim.ws_url()).await?;
    session.agent().set_state("Ready").await?;
    let mut interactions = session.interactions().await?;

    sim.inject_inbound_call("+14155550123", "5001", Default::default()).await?;
    let Some(mut call) = interactions.next().await else { return Err("the session ended".into()) };
    while let Some(update) = call.next().await {
        println!("{} {update:?} ({})", call.id(), call.state());
        match update {
            InteractionUpdate::Event(InteractionEventType::Ringing) => call.answer().await?,
            InteractionUpdate::Event(InteractionEventType::Established) => {
                call.set_user_data([("Handled".to_owned(), "yes".into())].into()).await?;
                call.hang_up().await?;
            }
            InteractionUpdate::Event(InteractionEventType::Released) => call.mark_done().await?,
            _ => {}
        }
    }
    println!("call {} handled", call.id());
    sim.shutdown().await;
    Ok(())
}
