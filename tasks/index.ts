// Every zkballot command, grouped by who uses it. `npx hardhat help` lists them.
import "./operator";
import "./voter";
import "./public";
import "./ceremony";
import "./sealed";
