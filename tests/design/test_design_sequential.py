"""Group-sequential boundaries and design characteristics against rpact 3.3.4 (relative 1e-6).

RPACT: computed with rpact 3.3.4 (Debian r-cran-rpact 3.3.4-1, R 4.2.2) by
tests/reference/rpact_sequential.R (getDesignGroupSequential, getDesignCharacteristics and
getGroupSequentialProbabilities), printed with %.15g and pasted here verbatim; DESIGNS gives
the same designs as neosim plans. No test calls R.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from neosim.design.sequential import (
    GroupSequentialDesign,
    SequentialPlan,
    sequential_probabilities,
)
from neosim.errors import InputError

REL = 1e-6
#: rpact floors its last alphaSpent to 1e-8 (0.02499999 for 0.025): relative 4e-7 at 0.025
#: and 2e-7 at 0.05, inside REL; every other number is compared at REL as printed, but
#: probabilities below 1e-9 also pass within ATOL: rpact computes a first critical value as
#: qnorm(1 - p), where 1 - p keeps only the leading digits of a tiny p (asOF_10 spends 1.36e-12
#: at the first look; rpact's value is 5e-6 off in relative terms, 7e-18 in absolute ones)
ATOL = 1e-15

# name: (plan keywords, alpha, beta, sided), the calls of rpact_sequential.R
DESIGNS = {
    "asOF_3": (dict(information_rates=[0.4, 0.7, 1.0], spending="obf"), 0.025, 0.2, 1),
    "asP_4": (dict(information_rates=[0.25, 0.5, 0.75, 1.0], spending="pocock"), 0.025, 0.1, 1),
    "asKD2_3": (dict(information_rates=[0.3, 0.6, 1.0], spending="kd", gamma=2.0), 0.025, 0.2, 1),
    "asKD1_2": (dict(information_rates=[0.5, 1.0], spending="kd", gamma=1.0), 0.05, 0.1, 1),
    "asHSDm4_5": (dict(information_rates=[0.2, 0.4, 0.6, 0.8, 1.0], spending="hsd", gamma=-4.0),
                  0.025, 0.2, 1),
    "asHSD1_3": (dict(information_rates=[0.35, 0.65, 1.0], spending="hsd", gamma=1.0),
                 0.025, 0.2, 1),
    "asOF_10": (dict(information_rates=[k / 10 for k in range(1, 11)], spending="obf"),
                0.025, 0.2, 1),
    "asUser_3": (dict(information_rates=[0.3, 0.6, 1.0], spending="user",
                      user_alpha_spending=[0.001, 0.01, 0.025]), 0.025, 0.2, 1),
    "asUser_bsP_nb": (dict(information_rates=[0.4, 0.7, 1.0], spending="user",
                           user_alpha_spending=[0.0001, 0.005, 0.025], futility="pocock"),
                      0.025, 0.2, 1),
    "OF_4": (dict(information_rates=[0.25, 0.5, 0.75, 1.0], spending="OF"), 0.025, 0.2, 1),
    "P_3": (dict(information_rates=[0.4, 0.7, 1.0], spending="P"), 0.025, 0.2, 1),
    "WT025_3": (dict(information_rates=[0.4, 0.7, 1.0], spending="WT", delta=0.25),
                0.025, 0.2, 1),
    "asOF_bsOF_nb": (dict(information_rates=[0.4, 0.7, 1.0], spending="obf", futility="obf"),
                     0.025, 0.2, 1),
    "asOF_bsOF_b": (dict(information_rates=[0.4, 0.7, 1.0], spending="obf", futility="obf",
                         binding_futility=True), 0.025, 0.2, 1),
    "asP_bsP_b": (dict(information_rates=[0.5, 0.75, 1.0], spending="pocock", futility="pocock",
                       binding_futility=True), 0.025, 0.2, 1),
    "asKD3_bsKD2_nb": (dict(information_rates=[0.25, 0.5, 0.75, 1.0], spending="kd", gamma=3.0,
                            futility="kd", futility_gamma=2.0), 0.025, 0.1, 1),
    "asHSDm2_bsHSDm2_b": (dict(information_rates=[0.3, 0.6, 1.0], spending="hsd", gamma=-2.0,
                               futility="hsd", futility_gamma=-2.0, binding_futility=True),
                          0.025, 0.2, 1),
    "asOF_fut_b": (dict(information_rates=[0.4, 0.7, 1.0], spending="obf",
                        futility_bounds=[0.0, 0.5], binding_futility=True), 0.025, 0.2, 1),
    "OF_fut_nb": (dict(information_rates=[0.5, 1.0], spending="OF", futility_bounds=[0.2]),
                  0.025, 0.2, 1),
    "asOF_2s": (dict(information_rates=[0.4, 0.7, 1.0], spending="obf"), 0.05, 0.2, 2),
    "asP_2s": (dict(information_rates=[0.5, 1.0], spending="pocock"), 0.05, 0.1, 2),
    "OF_2s": (dict(information_rates=[0.25, 0.5, 0.75, 1.0], spending="OF"), 0.05, 0.2, 2),
    "WT01_2s": (dict(information_rates=[0.3, 0.6, 1.0], spending="WT", delta=0.1), 0.05, 0.2, 2),
    "asHSD2_2s": (dict(information_rates=[0.5, 0.8, 1.0], spending="hsd", gamma=2.0),
                  0.05, 0.2, 2),
}

RPACT = {
    "asOF_3": {
        "critical_values": [
            3.35686935609099, 2.44454228132963, 2.00053907185793],
        "alpha_spent": [
            0.000394151756691219, 0.00738448933203184, 0.02499999],
        "shift": [7.96895321221455],
        "inflation_factor": [1.01529816762767],
        "power": [
            0.0580344974941536, 0.468234801536425, 0.8],
        "rejection_probabilities_h1": [
            0.0580344974941536, 0.410200304042272, 0.331765198463575],
        "stopping_probabilities_h0": [
            0.000394151756691219, 0.00699033757534062],
        "average_sample_number_h0": [1.01292887471952],
        "average_sample_number_h01": [0.981548531923789],
        "average_sample_number_h1": [0.855002090237396],
    },
    "asP_4": {
        "critical_values": [
            2.36832770352391, 2.36752428859472, 2.3581683114171,
            2.35003597289324],
        "alpha_spent": [
            0.00893435048771973, 0.0155028628200927, 0.0206997234836478,
            0.02499999],
        "shift": [12.3734045321758],
        "inflation_factor": [1.17758697444884],
        "power": [
            0.271084880082564, 0.575909070572503, 0.784551711769513,
            0.90000000002172],
        "rejection_probabilities_h1": [
            0.271084880082564, 0.30482419048994, 0.20864264119701,
            0.115448288252207],
        "stopping_probabilities_h0": [
            0.00893435048771973, 0.00656851233237299, 0.00519686066355507],
        "average_sample_number_h0": [1.16429880551934],
        "average_sample_number_h01": [1.03773746571958],
        "average_sample_number_h1": [0.697265242654951],
    },
    "asKD2_3": {
        "critical_values": [
            2.84080371786319, 2.42674059420824, 2.04502104967833],
        "alpha_spent": [
            0.00224999999999997, 0.00900000009959789, 0.02499999],
        "shift": [8.15814358794821],
        "inflation_factor": [1.03940229231003],
        "power": [
            0.100911825703062, 0.424068006568973, 0.8],
        "rejection_probabilities_h1": [
            0.100911825703062, 0.323156180865911, 0.375931993431027],
        "stopping_probabilities_h0": [
            0.00224999999999997, 0.00675000009959792],
        "average_sample_number_h0": [1.03495884634546],
        "average_sample_number_h01": [0.991971807231252],
        "average_sample_number_h1": [0.831624993050154],
    },
    "asKD1_2": {
        "critical_values": [
            1.95996398454005, 1.80707219988108],
        "alpha_spent": [
            0.025, 0.04999999],
        "shift": [9.21117736285879],
        "inflation_factor": [1.07558869112027],
        "power": [
            0.573816651426811, 0.899999999999992],
        "rejection_probabilities_h1": [
            0.573816651426811, 0.32618334857318],
        "stopping_probabilities_h0": [0.025],
        "average_sample_number_h0": [1.06214383195069],
        "average_sample_number_h01": [0.974721221628359],
        "average_sample_number_h1": [0.7669933400641],
    },
    "asHSDm4_5": {
        "critical_values": [
            3.25266848844068, 2.98604594916105, 2.69165744632483,
            2.37366699427366, 2.02532141655684],
        "alpha_spent": [
            0.00057163396858595, 0.00184382873221711, 0.00467515032030164,
            0.0109763723295677, 0.025],
        "shift": [8.04815467713712],
        "inflation_factor": [1.02538896626431],
        "power": [
            0.0236303628801342, 0.122876537708982, 0.323782594856183,
            0.57887498254364, 0.8],
        "rejection_probabilities_h1": [
            0.0236303628801342, 0.0992461748288478, 0.200906057147201,
            0.255092387687456, 0.22112501745636],
        "stopping_probabilities_h0": [
            0.00057163396858595, 0.00127219476363116, 0.00283132158808452,
            0.00630122200926608],
        "average_sample_number_h0": [1.02168382680286],
        "average_sample_number_h01": [0.977647529213517],
        "average_sample_number_h1": [0.810228628384044],
    },
    "asHSD1_3": {
        "critical_values": [
            2.26751427013831, 2.30295393615961, 2.2948003038764],
        "alpha_spent": [
            0.011679414083152, 0.0189028110885577, 0.025],
        "shift": [9.18942732810789],
        "inflation_factor": [1.17079476805998],
        "power": [
            0.317710802424242, 0.589381146811036, 0.79999999989376],
        "rejection_probabilities_h1": [
            0.317710802424242, 0.271670344386793, 0.210618853082724],
        "stopping_probabilities_h0": [
            0.011679414083152, 0.00722339700540575],
        "average_sample_number_h0": [1.15894654852715],
        "average_sample_number_h01": [1.0707776862916],
        "average_sample_number_h1": [0.817686996263177],
    },
    "asOF_10": {
        "critical_values": [
            6.99135170707742, 4.8768851980567, 3.92968230694532,
            3.36707907170057, 2.98932982236147, 2.71480899304152,
            2.50407739728689, 2.33582920581102, 2.19750338047743,
            2.08117566257715],
        "alpha_spent": [
            1.3612444504929e-12, 5.38871250621575e-07, 4.27257881846499e-05,
            0.000394151766497042, 0.00152532273827777, 0.00380806334060457,
            0.0073844894163102, 0.0122117902865094, 0.0181449965613946,
            0.02499999],
        "shift": [8.14530692808794],
        "inflation_factor": [1.03776681561849],
        "power": [
            5.686650039749e-10, 0.000158779590194835, 0.00899490991597396,
            0.059863771105499, 0.169761601776006, 0.316888419055229,
            0.469282013014151, 0.605195169592581, 0.715616396128827,
            0.8],
        "rejection_probabilities_h1": [
            5.686650039749e-10, 0.000158779021529831, 0.00883613032577912,
            0.050868861189525, 0.109897830670507, 0.147126817279222,
            0.152393593958922, 0.135913156578431, 0.110421226536246,
            0.0843836038711725],
        "stopping_probabilities_h0": [
            1.3612444504929e-12, 5.38869889377125e-07, 4.21869169340283e-05,
            0.000351425978312392, 0.00113117097178073, 0.0022827406023268,
            0.00357642607570563, 0.00482730087019922, 0.00593320627488514],
        "average_sample_number_h0": [1.03325127231161],
        "average_sample_number_h01": [0.978050748544788],
        "average_sample_number_h1": [0.794331512832917],
    },
    "asUser_3": {
        "critical_values": [
            3.09023230616781, 2.34482472389936, 2.05532471090555],
        "alpha_spent": [
            0.001, 0.00999999993098666, 0.02499999],
        "shift": [8.18426244440749],
        "inflation_factor": [1.04273001006636],
        "power": [
            0.0638419086380798, 0.451719269936207, 0.8],
        "rejection_probabilities_h1": [
            0.0638419086380798, 0.387877361298127, 0.348280730063793],
        "stopping_probabilities_h0": [
            0.001, 0.00899999993098666],
        "average_sample_number_h0": [1.03824626992473],
        "average_sample_number_h01": [0.993498501643988],
        "average_sample_number_h1": [0.834350551173074],
    },
    "asUser_bsP_nb": {
        "critical_values": [
            3.71901648545568, 2.57770625501871, 1.98039977997541],
        "alpha_spent": [
            9.9999999999989e-05, 0.00500000002027501, 0.025],
        "futility_bounds": [
            0.722520231357347, 1.38840740872547],
        "futility_probabilities_h1": [
            0.104627433229215, 0.0533181762468378],
        "shift": [9.78256721978591],
        "inflation_factor": [1.24636477444984],
        "power": [
            0.0408523725516226, 0.512103868120227, 0.799999999982115],
        "rejection_probabilities_h1": [
            0.0408523725516226, 0.471251495568604, 0.287896131861888],
        "stopping_probabilities_h0": [
            0.765112654304616, 0.171741533146461],
        "average_sample_number_h0": [0.609983318796058],
        "average_sample_number_h01": [0.839505354685525],
        "average_sample_number_h1": [0.941430683049771],
    },
    "OF_4": {
        "critical_values": [
            4.04859100734887, 2.86278615554726, 2.33745510793157,
            2.02429550367444],
        "alpha_spent": [
            2.57634489653213e-05, 0.00211034680260302, 0.0104558937208054,
            0.02499999],
        "shift": [8.03604771482224],
        "inflation_factor": [1.02384645794151],
        "power": [
            0.00425426217858249, 0.195568936490969, 0.55209167913146,
            0.8],
        "rejection_probabilities_h1": [
            0.00425426217858249, 0.191314674312386, 0.356522742640491,
            0.24790832086854],
        "stopping_probabilities_h0": [
            2.57634489653213e-05, 0.0020845833536377, 0.00834554691820233],
        "average_sample_number_h0": [1.02062338677842],
        "average_sample_number_h01": [0.980481277718405],
        "average_sample_number_h1": [0.831385110367272],
    },
    "P_3": {
        "critical_values": [
            2.27430596629175, 2.27430596629175, 2.27430596629175],
        "alpha_spent": [
            0.0114737983476971, 0.0191349434440991, 0.025],
        "shift": [9.03434290316373],
        "inflation_factor": [1.15103597060186],
        "power": [
            0.354454120496637, 0.625209585091348, 0.800000000077807],
        "rejection_probabilities_h1": [
            0.354454120496637, 0.270755464594711, 0.174790414986459],
        "stopping_probabilities_h0": [
            0.0114737983476971, 0.00766114509640192],
        "average_sample_number_h0": [1.1404664407421],
        "average_sample_number_h01": [1.0552144237989],
        "average_sample_number_h1": [0.812747520319808],
    },
    "WT025_3": {
        "critical_values": [
            2.63054074733956, 2.28710193474056, 2.09199205718815],
        "alpha_spent": [
            0.0042624574708543, 0.013395728649737, 0.025],
        "shift": [8.29535170507372],
        "inflation_factor": [1.05688352807481],
        "power": [
            0.209267835020037, 0.56038028251885, 0.8],
        "rejection_probabilities_h1": [
            0.209267835020037, 0.351112447498813, 0.23961971748115],
        "stopping_probabilities_h0": [
            0.0042624574708543, 0.00913327117888274],
        "average_sample_number_h0": [1.05128473332925],
        "average_sample_number_h01": [0.995959396520247],
        "average_sample_number_h1": [0.812855001791024],
    },
    "asOF_bsOF_nb": {
        "critical_values": [
            3.35686935609099, 2.44454228132963, 2.00053907185793],
        "alpha_spent": [
            0.000394151756691219, 0.00738448933203184, 0.02499999],
        "futility_bounds": [
            0.152092381945776, 1.26672834949568],
        "futility_probabilities_h1": [
            0.0427329306968548, 0.0828519247825377],
        "shift": [8.76010411750215],
        "inflation_factor": [1.11609610721455],
        "power": [
            0.0687771044034046, 0.513333513265452, 0.800000000000005],
        "rejection_probabilities_h1": [
            0.0687771044034046, 0.444556408862047, 0.286666486734553],
        "stopping_probabilities_h0": [
            0.560837115439194, 0.349106524056219],
        "average_sample_number_h0": [0.623636304669969],
        "average_sample_number_h01": [0.825993305933557],
        "average_sample_number_h1": [0.864831041132122],
    },
    "asOF_bsOF_b": {
        "critical_values": [
            3.35686935609099, 2.44389174133539, 1.92998924106359],
        "alpha_spent": [
            0.000394151756691219, 0.00738448933203184, 0.02499999],
        "futility_bounds": [
            0.110773148240441, 1.21206292742863],
        "futility_probabilities_h1": [
            0.0427329306818621, 0.0828519257673651],
        "shift": [8.3776431809201],
        "inflation_factor": [1.06736801485911],
        "power": [
            0.0634700696426223, 0.491897338720573, 0.8],
        "rejection_probabilities_h1": [
            0.0634700696426223, 0.428427269077951, 0.308102661279427],
        "stopping_probabilities_h0": [
            0.544496032316461, 0.355785240813414],
        "average_sample_number_h0": [0.604735289530786],
        "average_sample_number_h01": [0.797051202268636],
        "average_sample_number_h1": [0.835636485709813],
    },
    "asP_bsP_b": {
        "critical_values": [
            2.15699921834468, 2.28731820732355, 2.16331651061773],
        "alpha_spent": [
            0.015502862673957, 0.0206997234171369, 0.02499999],
        "futility_bounds": [
            1.08983852426494, 1.55548955826089],
        "futility_probabilities_h1": [
            0.124022901312161, 0.041574886692783],
        "shift": [10.0795785651495],
        "inflation_factor": [1.28420601490913],
        "power": [
            0.535041109408651, 0.706000195219328, 0.799999999996465],
        "rejection_probabilities_h1": [
            0.535041109408651, 0.170959085810677, 0.0939998047771368],
        "stopping_probabilities_h0": [
            0.877610722357559, 0.0923154003572919],
        "average_sample_number_h0": [0.691051532607075],
        "average_sample_number_h01": [0.807830289652628],
        "average_sample_number_h1": [0.792784680054862],
    },
    "asKD3_bsKD2_nb": {
        "critical_values": [
            3.35935371793431, 2.76039702445269, 2.35936341434717,
            2.02930066734552],
        "alpha_spent": [
            0.000390624999999978, 0.00312499998217652, 0.0105468750061949,
            0.025],
        "futility_bounds": [
            -0.803933101124078, 0.377046553883702, 1.25251881266013],
        "futility_probabilities_h1": [
            0.00624999997659309, 0.0187499996702402, 0.0312500001180595],
        "shift": [11.4754594280498],
        "inflation_factor": [1.09212880845748],
        "power": [
            0.0478984148191779, 0.360858804854893, 0.723255261940681,
            0.899999999999792],
        "rejection_probabilities_h1": [
            0.0478984148191779, 0.312960390035716, 0.362396457085787,
            0.176744738059111],
        "stopping_probabilities_h0": [
            0.211108430992085, 0.447310808193343, 0.253673697804828],
        "average_sample_number_h0": [0.605689010750125],
        "average_sample_number_h01": [0.829263670436993],
        "average_sample_number_h1": [0.759162630263254],
    },
    "asHSDm2_bsHSDm2_b": {
        "critical_values": [
            2.72481231729172, 2.46097785979509, 2.02130197733641],
        "alpha_spent": [
            0.00321690241743267, 0.00907848090879848, 0.025],
        "futility_bounds": [
            -0.360688260001763, 0.698219884652644],
        "futility_probabilities_h1": [
            0.0257352192826031, 0.0468926268538098],
        "shift": [8.39362531141079],
        "inflation_factor": [1.06940424563747],
        "power": [
            0.127567758249867, 0.427909614252565, 0.8],
        "rejection_probabilities_h1": [
            0.127567758249867, 0.300341856002697, 0.372090385747435],
        "stopping_probabilities_h0": [
            0.362383153385194, 0.41616838343429],
        "average_sample_number_h0": [0.620109493235249],
        "average_sample_number_h01": [0.825927398881825],
        "average_sample_number_h1": [0.806110635028613],
    },
    "asOF_fut_b": {
        "critical_values": [
            3.35686935609099, 2.44416440278292, 1.98415363579988],
        "alpha_spent": [
            0.000394151756691219, 0.00738448925762375, 0.02499999],
        "futility_bounds": [
            0, 0.5],
        "futility_probabilities_h1": [
            0.0360217509338269, 0.0166367448003886],
        "shift": [8.08959133293781],
        "inflation_factor": [1.03066827454819],
        "power": [
            0.0596135132332436, 0.475237302244218, 0.8],
        "rejection_probabilities_h1": [
            0.0596135132332436, 0.415623789010974, 0.324762697755782],
        "stopping_probabilities_h0": [
            0.500394151756691, 0.2373399067],
        "average_sample_number_h0": [0.647838434721169],
        "average_sample_number_h01": [0.846182334097941],
        "average_sample_number_h1": [0.837872169363576],
    },
    "OF_fut_nb": {
        "critical_values": [
            2.79650968146771, 1.97743095941965],
        "alpha_spent": [
            0.00258289316215732, 0.02499999],
        "futility_bounds": [0.2],
        "futility_probabilities_h1": [0.0355638995211631],
        "shift": [8.03732874458789],
        "inflation_factor": [1.02400966973848],
        "power": [
            0.214224358127471, 0.8],
        "rejection_probabilities_h1": [
            0.214224358127471, 0.585775641872529],
        "stopping_probabilities_h0": [0.58184260260126],
        "average_sample_number_h0": [0.726103444073736],
        "average_sample_number_h01": [0.897250981929728],
        "average_sample_number_h1": [0.896116874128819],
    },
    "asOF_2s": {
        "critical_values": [
            3.35686935609099, 2.44454228132963, 2.00053907185793],
        "alpha_spent": [
            0.000788303513382438, 0.0147689787059324, 0.04999999],
        "shift": [7.96895321435254],
        "inflation_factor": [1.01529816790006],
        "power": [
            0.0580344975219477, 0.468234801689927, 0.8],
        "rejection_probabilities_h1": [
            0.0580344975219477, 0.410200304167979, 0.331765198310073],
        "stopping_probabilities_h0": [
            0.000788303513382438, 0.01398067519255],
        "average_sample_number_h0": [1.01055958385963],
        "average_sample_number_h01": [0.981499232402991],
        "average_sample_number_h1": [0.855001779564375],
    },
    "asP_2s": {
        "critical_values": [
            2.15699921834468, 2.200976960361],
        "alpha_spent": [
            0.0310057253479139, 0.04999999],
        "shift": [11.6742365747645],
        "inflation_factor": [1.1110465912052],
        "power": [
            0.602187654261375, 0.899999999999222],
        "rejection_probabilities_h1": [
            0.602187654261375, 0.297812345737847],
        "stopping_probabilities_h0": [0.0310057253479139],
        "average_sample_number_h0": [1.09382218847738],
        "average_sample_number_h01": [1.01566609990764],
        "average_sample_number_h1": [0.776515985565315],
    },
    "OF_2s": {
        "critical_values": [
            4.04859099941939, 2.86278614994027, 2.33745510335348,
            2.02429549970969],
        "alpha_spent": [
            5.15268996761061e-05, 0.00422069366951604, 0.020911787769663,
            0.04999999],
        "shift": [8.03604769803842],
        "inflation_factor": [1.02384645580314],
        "power": [
            0.00425426225931957, 0.195568937475097, 0.552091679923333,
            0.8],
        "rejection_probabilities_h1": [
            0.00425426225931957, 0.191314675215778, 0.356522742448236,
            0.247908320076667],
        "stopping_probabilities_h0": [
            5.15268996761061e-05, 0.00416916676983993, 0.0166910941001469],
        "average_sample_number_h0": [1.01740031638298],
        "average_sample_number_h01": [0.980410738077578],
        "average_sample_number_h1": [0.83138461219279],
    },
    "WT01_2s": {
        "critical_values": [
            3.26022043907928, 2.47078506499413, 2.01416696030044],
        "alpha_spent": [
            0.00111325653537602, 0.0140263472025884, 0.04999999],
        "shift": [8.03359724620545],
        "inflation_factor": [1.02353425177965],
        "power": [
            0.0438388205867957, 0.393758553398164, 0.8],
        "rejection_probabilities_h1": [
            0.0438388205867957, 0.349919732811369, 0.406241446601836],
        "stopping_probabilities_h0": [
            0.00111325653537602, 0.0129130906672123],
        "average_sample_number_h0": [1.01744983620548],
        "average_sample_number_h01": [0.98616149487873],
        "average_sample_number_h1": [0.848861801473504],
    },
    "asHSD2_2s": {
        "critical_values": [
            2.09072269966216, 2.3351586535573, 2.48346021026373],
        "alpha_spent": [
            0.0365529289315003, 0.0461510376709532, 0.05],
        "shift": [9.71719362191256],
        "inflation_factor": [1.23803573895867],
        "power": [
            0.545182837648727, 0.723164127949312, 0.799999999982571],
        "rejection_probabilities_h1": [
            0.545182837648727, 0.177981290300585, 0.0768358720332589],
        "stopping_probabilities_h0": [
            0.0365529289315003, 0.00959810873945295],
        "average_sample_number_h0": [1.21303226243909],
        "average_sample_number_h01": [1.12012044248919],
        "average_sample_number_h1": [0.856482951427309],
    },
}


@pytest.fixture(scope="module")
def computed() -> dict[str, GroupSequentialDesign]:
    return {name: SequentialPlan(**kw).boundaries(alpha, beta, sided)
            for name, (kw, alpha, beta, sided) in DESIGNS.items()}


def _close(ours, theirs) -> float:
    ours, theirs = np.atleast_1d(np.asarray(ours, float)), np.atleast_1d(np.asarray(theirs, float))
    assert ours.shape == theirs.shape
    err = np.maximum(np.abs(ours - theirs) - ATOL, 0.0)
    return float(np.max(err / np.maximum(np.abs(theirs), 1e-300)))


def test_reference_covers_the_issue():
    """At least 12 designs: every spending family, futility both ways, two-sided."""
    assert set(DESIGNS) == set(RPACT) and len(RPACT) >= 12
    plans = [SequentialPlan(**kw) for kw, *_ in DESIGNS.values()]
    assert {p.spending for p in plans} == {"obf", "pocock", "kd", "hsd", "OF", "P", "WT", "user"}
    assert {p.binding_futility for p in plans if p.futility} == {True, False}
    assert {sided for *_, sided in DESIGNS.values()} == {1, 2}


@pytest.mark.parametrize("name", sorted(RPACT))
def test_matches_rpact(computed, name):
    ours, theirs = computed[name], RPACT[name]
    for field, expected in theirs.items():
        value = getattr(ours, field)
        if field == "power":  # rpact's last power is its root-finder's 1 - beta
            value, expected = value[:-1], expected[:-1]
            assert ours.power[-1] == pytest.approx(1 - ours.beta, rel=1e-9)
        assert _close(value, expected) < REL, (name, field, value, expected)


# ---- properties of the recursion and the plans without an rpact counterpart -----------------

def test_sequential_probabilities_reproduce_alpha_and_power(computed):
    """The public recursion gives back the design's alpha spent (H0) and power (its drift)."""
    for name in ("asOF_bsOF_b", "asOF_fut_b", "OF_2s", "asP_4"):
        d = computed[name]
        fut = d.futility_bounds if d.binding_futility else None
        h0 = sequential_probabilities(d.critical_values, fut, d.information_rates, 0.0, d.sided)
        spent = np.cumsum(h0.upper + h0.lower) if d.sided == 2 else np.cumsum(h0.upper)
        assert np.allclose(spent, d.alpha_spent, rtol=1e-12, atol=0)
        h1 = sequential_probabilities(d.critical_values, d.futility_bounds, d.information_rates,
                                      d.drift, d.sided)
        assert np.allclose(h1.upper, d.rejection_probabilities_h1, rtol=1e-12, atol=0)
        assert h1.upper.sum() == pytest.approx(1 - d.beta, rel=1e-9)
        assert d.drift ** 2 == pytest.approx(d.shift, rel=1e-12)


def test_fixed_design_limit():
    """Looks at which nothing can stop (no alpha spent there) give the fixed design."""
    d = SequentialPlan(information_rates=[0.5, 1.0], spending="kd", gamma=8.0).boundaries(
        0.025, 0.2, 1)
    assert d.critical_values[1] == pytest.approx(1.959964, abs=2e-3)
    assert d.inflation_factor == pytest.approx(1.0, abs=2e-3)


def test_conditional_power_futility_definition():
    """At each futility bound the conditional power of the final test under the design's drift
    (conditional normal of (Z_k, Z_K), correlation sqrt(t_k)) is the threshold, and the design
    with these bounds has power 1 - beta; binding bounds keep the level exact."""
    from scipy.stats import norm

    for binding in (False, True):
        plan = SequentialPlan(information_rates=[0.3, 0.6, 1.0], spending="obf", futility_cp=0.1,
                              binding_futility=binding)
        d = plan.boundaries(0.025, 0.2, 1)
        c_final, theta = d.critical_values[-1], d.drift
        for t_k, a_k in zip(d.information_rates[:-1], d.futility_bounds, strict=True):
            rho = math.sqrt(t_k)  # corr(Z_k, Z_K)
            mean = theta + rho * (a_k - theta * math.sqrt(t_k))
            cp = norm.sf(c_final, loc=mean, scale=math.sqrt(1 - rho * rho))
            assert cp == pytest.approx(0.1, rel=1e-9)
        assert d.power[-1] == pytest.approx(0.8, rel=1e-9)
        assert d.alpha_spent[-1] == pytest.approx(0.025, rel=1e-9)
        if binding:  # binding futility lets the last critical value come down
            free = SequentialPlan(information_rates=[0.3, 0.6, 1.0], spending="obf")
            assert d.critical_values[-1] < free.boundaries(0.025, 0.2, 1).critical_values[-1]


def test_to_dict_has_the_contract_keys(computed):
    out = computed["asOF_bsOF_nb"].to_dict()
    for key in ("information_rates", "critical_values", "alpha_spent", "futility_bounds",
                "rejection_probabilities_h1", "stopping_probabilities_h0", "inflation_factor"):
        assert key in out
    assert isinstance(out["critical_values"], list) and len(out["futility_bounds"]) == 2


# ---- bad input: one InputError naming the field ---------------------------------------------

def _field_error(**kw) -> str:
    from neosim.config import validate

    with pytest.raises(InputError) as err:
        validate(SequentialPlan, kw, file="t.toml", prefix="design.sequential")
    return str(err.value)


@pytest.mark.parametrize(("kw", "field", "words"), [
    (dict(information_rates=[0.5, 0.4, 1.0]), "information_rates", "increasing"),
    (dict(information_rates=[0.5, 0.5, 1.0]), "information_rates", "increasing"),
    (dict(information_rates=[0.3, 0.9]), "information_rates", "end at 1"),
    (dict(information_rates=[1.0]), "information_rates", ""),
    (dict(information_rates=[k / 11 for k in range(1, 12)]), "information_rates", ""),
    (dict(information_rates=[0.0, 1.0]), "information_rates", ""),
    (dict(information_rates=[0.005, 1.0]), "information_rates", ""),
    (dict(information_rates=[0.5, 0.505, 1.0]), "information_rates", "0.01 apart"),
    (dict(information_rates=[0.5, 1.0], spending="kd"), "gamma", "needs gamma"),
    (dict(information_rates=[0.5, 1.0], spending="kd", gamma=0.2), "gamma", "outside"),
    (dict(information_rates=[0.5, 1.0], spending="hsd", gamma=6.0), "gamma", "outside"),
    (dict(information_rates=[0.5, 1.0], spending="hsd", gamma=-11.0), "gamma", ""),
    (dict(information_rates=[0.5, 1.0], spending="obf", gamma=1.0), "gamma", "kd and hsd"),
    (dict(information_rates=[0.5, 1.0], spending="WT"), "delta", "needs delta"),
    (dict(information_rates=[0.5, 1.0], spending="WT", delta=1.5), "delta", ""),
    (dict(information_rates=[0.5, 1.0], spending="P", delta=0.2), "delta", "WT only"),
    (dict(information_rates=[0.5, 1.0], futility="kd"), "futility_gamma", "needs"),
    (dict(information_rates=[0.5, 1.0], futility_cp=1.2), "futility_cp", ""),
    (dict(information_rates=[0.5, 1.0], futility_cp=0.0), "futility_cp", ""),
    (dict(information_rates=[0.5, 1.0], futility_bounds=[0.0, 1.0]), "futility_bounds",
     "1 value(s)"),
    (dict(information_rates=[0.5, 1.0], futility="obf", futility_cp=0.2), "futility_cp", "one"),
    (dict(information_rates=[0.5, 1.0], spending="OF", futility="obf"), "futility", "alpha-spe"),
    (dict(information_rates=[0.5, 1.0], binding_futility=True), "binding_futility", "needs"),
    (dict(information_rates=[0.5, 1.0], spending="asOF"), "spending", ""),
    (dict(information_rates=[0.5, 1.0], spending="user"), "user_alpha_spending", "goes with"),
    (dict(information_rates=[0.5, 1.0], user_alpha_spending=[0.01, 0.02]), "user_alpha_spending",
     "goes with"),
    (dict(information_rates=[0.5, 1.0], spending="user", user_alpha_spending=[0.01]),
     "user_alpha_spending", ""),
    (dict(information_rates=[0.5, 1.0], spending="user", user_alpha_spending=[0.02, 0.01]),
     "user_alpha_spending", "must not decrease"),
    (dict(information_rates=[0.5, 1.0], spending="user", user_alpha_spending=[0.0, 0.0]),
     "user_alpha_spending", "some alpha"),
    (dict(information_rates=[0.5, 1.0], spending="user", user_alpha_spending=[0.01, 0.6]),
     "user_alpha_spending", ""),
    (dict(information_rates=[0.5, 1.0], extra=1), "extra", "unknown key"),
])
def test_bad_plan(kw, field, words):
    msg = _field_error(**kw)
    assert msg.startswith(f"t.toml: design.sequential.{field}") and words in msg, msg
    assert "\n" not in msg


@pytest.mark.parametrize(("args", "field"), [
    ((0.0, 0.2, 1), "alpha"), ((0.6, 0.2, 1), "alpha"), ((math.nan, 0.2, 1), "alpha"),
    ((0.025, 0.0, 1), "beta"), ((0.025, 1.0, 1), "beta"), ((0.4, 0.6, 1), "beta"),
    ((0.025, 0.2, 3), "sided"), ((0.025, 0.2, True), "sided"),
])
def test_bad_levels(args, field):
    with pytest.raises(InputError, match=f"^{field}: "):
        SequentialPlan(information_rates=[0.5, 1.0]).boundaries(*args)


def test_alpha_spent_above_alpha():
    plan = SequentialPlan(information_rates=[0.5, 1.0], spending="user",
                          user_alpha_spending=[0.01, 0.03])
    with pytest.raises(InputError, match=r"^user_alpha_spending: alpha spent 0.03 by the last "
                                         r"look is above alpha 0.025; the last value must "
                                         r"equal it$"):
        plan.boundaries(0.025, 0.2, 1)
    # spending less than alpha is refused as rpact refuses it: the design's alpha would misstate
    # its level
    with pytest.raises(InputError, match=r"is below alpha 0.05"):
        plan.boundaries(0.05, 0.2, 1)
    d = plan.boundaries(0.03, 0.2, 1)
    assert d.alpha_spent == pytest.approx((0.01, 0.03), rel=1e-9)


def test_futility_above_efficacy_and_two_sided_futility():
    plan = SequentialPlan(information_rates=[0.5, 1.0], spending="obf", futility_bounds=[3.5])
    with pytest.raises(InputError, match=r"^futility_bounds: futility bound 3.5 at look 1 is "
                                         "above the critical value 2.9"):
        plan.boundaries(0.025, 0.2, 1)
    with pytest.raises(InputError, match=r"^futility: .*one-sided"):
        SequentialPlan(information_rates=[0.5, 1.0], futility="obf").boundaries(0.05, 0.2, 2)


def test_a_design_that_cannot_reach_its_power_is_refused(monkeypatch):
    """Drifts are searched up to about 4 times the fixed design's information (rpact's limit
    on the inflation factor); a design needing more is bad input, not a wrong answer."""
    import neosim.design.spending as spending

    monkeypatch.setattr(spending, "_drift_bracket", lambda alpha, beta, sided: 2.0)
    with pytest.raises(InputError, match=r"^beta: no drift up to 2 .* gives power 0.8"):
        SequentialPlan(information_rates=[0.5, 1.0]).boundaries(0.025, 0.2, 1)


def test_recursion_agrees_with_simulated_z_paths():
    """Independent of rpact: 400,000 simulated Brownian paths (seeded) at the looks of a binding
    conditional-power design cross each bound as often as the recursion says, within 4 MC SE
    (SE = sqrt(p (1 - p) / n), at most 8e-4)."""
    d = SequentialPlan(information_rates=[0.25, 0.5, 0.8, 1.0], spending="hsd", gamma=-2.0,
                       futility_cp=0.15, binding_futility=True).boundaries(0.025, 0.1, 1)
    t = np.asarray(d.information_rates)
    rng = np.random.default_rng(20261201)
    n = 400_000
    for drift in (0.0, d.drift):
        steps = rng.standard_normal((n, len(t))) * np.sqrt(np.diff(t, prepend=0.0))
        b = np.cumsum(steps + drift * np.diff(t, prepend=0.0), axis=1)  # B(t) = Z sqrt(t)
        z = b / np.sqrt(t)
        alive = np.ones(n, bool)
        up, low = np.zeros(len(t)), np.zeros(len(t))
        for k in range(len(t)):
            hit_up = alive & (z[:, k] >= d.critical_values[k])
            hit_low = (alive & ~hit_up & (z[:, k] <= d.futility_bounds[k])
                       if k < len(t) - 1 else np.zeros(n, bool))
            up[k], low[k] = hit_up.mean(), hit_low.mean()
            alive &= ~(hit_up | hit_low)
        exact = sequential_probabilities(d.critical_values, d.futility_bounds, t, drift)
        for sim, ref in ((up, exact.upper), (low, exact.lower)):
            se = np.sqrt(np.maximum(ref * (1 - ref), 1e-12) / n)
            assert np.all(np.abs(sim - ref) < 4 * se + 1e-9), (drift, sim, ref)
